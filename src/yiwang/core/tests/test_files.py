"""Stored files: limits, type sniffing, digests, storage keys, and who may open a file."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from yiwang.core import files
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.core.files import (
    file_content,
    file_copies,
    file_open_for,
    file_store,
    files_delete,
    files_discarded_on_error,
    register_file_access_rule,
)
from yiwang.core.models import AuditEvent, StoredFile
from yiwang.core.tests.factories import OrganizationFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.identity.tests.factories import CitizenFactory, make_staff

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX_BYTES = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX_BYTES = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
OFD_BYTES = _zip({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})
ZIP_BYTES = _zip({"材料/说明.txt": "说明".encode()})


def _upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _stored_paths() -> set[Path]:
    root = Path(storages["yiwang_files"].location)  # type: ignore[attr-defined]
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def citizen():
    return CitizenFactory()


@pytest.fixture
def actor(citizen):
    return Actor.for_user(citizen)


# ---------------------------------------------------------------- storing


def test_stores_a_pdf_with_digests_random_key_and_an_audit_row(actor, citizen):
    before = _stored_paths()
    stored = file_store(actor=actor, upload=_upload("营业执照.pdf", PDF_BYTES, "application/pdf"))

    stored.refresh_from_db()
    assert stored.name == "营业执照.pdf"
    assert stored.content_type == "application/pdf"
    assert stored.size == len(PDF_BYTES)
    assert stored.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(PDF_BYTES)
    assert stored.sm3 == sm3.finalize().hex()
    assert stored.owner == citizen
    assert "营业执照" not in stored.storage_key and ".pdf" not in stored.storage_key
    new_paths = _stored_paths() - before
    assert len(new_paths) == 1
    assert new_paths.pop().read_bytes() == PDF_BYTES
    with file_content(stored) as handle:
        assert handle.read() == PDF_BYTES
    event = AuditEvent.objects.get(action="file.store")
    assert event.object_id == str(stored.pk)
    assert event.data["sha256"] == stored.sha256


def test_a_rolled_back_store_leaves_no_bytes_behind_in_a_discarding_block(actor):
    before = _stored_paths()
    with pytest.raises(InvalidInput), files_discarded_on_error(), transaction.atomic():
        stored = file_store(actor=actor, upload=PDF_BYTES, name="身份证.pdf")
        assert Path(storages["yiwang_files"].path(stored.storage_key)).exists()  # type: ignore[attr-defined]
        raise InvalidInput("后续校验失败", code="later_check")
    assert _stored_paths() == before and not StoredFile.objects.exists()
    # A block that ends well keeps what it stored.
    with files_discarded_on_error(), transaction.atomic():
        kept = file_store(actor=actor, upload=PDF_BYTES, name="身份证.pdf")
    assert _stored_paths() - before == {Path(storages["yiwang_files"].path(kept.storage_key))}  # type: ignore[attr-defined]


def test_files_delete_removes_rows_now_and_bytes_on_commit_and_keeps_what_is_referred_to(
    actor, django_capture_on_commit_callbacks
):
    from yiwang.core.jobs import job_create

    path = lambda stored: Path(storages["yiwang_files"].path(stored.storage_key))  # type: ignore[attr-defined]  # noqa: E731
    loose = file_store(actor=actor, upload=PDF_BYTES, name="身份证.pdf")
    sample = file_store(actor=actor, upload=PDF_BYTES, name="清单.pdf")
    job_create(actor=actor, kind="test.import", title="导入", input_file=sample)  # refers to it (PROTECT)
    loose_id, sample_id = loose.pk, sample.pk
    # A rollback keeps both the row and the bytes.
    with pytest.raises(RuntimeError), transaction.atomic():
        files_delete([StoredFile.objects.get(pk=loose_id)])
        raise RuntimeError
    assert StoredFile.objects.filter(pk=loose_id).exists() and path(loose).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert files_delete(StoredFile.objects.filter(pk__in=[loose_id, sample_id])) == 1
    assert not StoredFile.objects.filter(pk=loose_id).exists() and not path(loose).exists()
    assert StoredFile.objects.filter(pk=sample_id).exists() and path(sample).exists()


def test_digests_of_a_multi_chunk_file_match_hashlib_and_cryptography(actor):
    data = b"%PDF-1.4\n" + bytes(range(256)) * 1000  # ~256 KB, several 64 KB chunks
    stored = file_store(actor=actor, upload=data, name="大文件.pdf")
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(data)
    assert stored.sm3 == sm3.finalize().hex()


@pytest.mark.parametrize(
    ("name", "data", "declared", "expected"),
    [
        ("scan.png", PNG_BYTES, "image/png", "image/png"),
        ("photo.JPG", JPEG_BYTES, "image/jpeg", "image/jpeg"),
        ("photo.jpeg", JPEG_BYTES, "image/pjpeg", "image/jpeg"),
        ("申请书.docx", DOCX_BYTES, files.DOCX, files.DOCX),
        ("清单.xlsx", XLSX_BYTES, files.XLSX, files.XLSX),
        ("证照.ofd", OFD_BYTES, "application/octet-stream", "application/ofd"),
        ("材料.zip", ZIP_BYTES, "application/x-zip-compressed", "application/zip"),
        ("无扩展名", PDF_BYTES, "application/pdf", "application/pdf"),
    ],
)
def test_accepts_allowed_types_by_their_real_content(actor, name, data, declared, expected):
    stored = file_store(actor=actor, upload=_upload(name, data, declared))
    assert stored.content_type == expected


@pytest.mark.parametrize(
    ("name", "data", "declared"),
    [
        ("发票.pdf", EXE_BYTES, "application/pdf"),  # an .exe renamed .pdf
        ("setup.exe", EXE_BYTES, "application/octet-stream"),
        ("图片.pdf", PNG_BYTES, "application/pdf"),  # a PNG claiming to be a PDF
        ("图片.png", PNG_BYTES, "application/pdf"),  # declared type disagrees with the content
        ("图片.pdf", PNG_BYTES, "image/png"),  # extension disagrees with the content
        ("脚本.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("伪装.docx", ZIP_BYTES, files.DOCX),  # a plain zip is not a Word document
        ("坏的.zip", b"PK\x03\x04" + b"\x00" * 40, "application/zip"),  # not a readable archive
        ("未知", b"hello world", "application/octet-stream"),
    ],
)
def test_refuses_a_type_that_is_not_allowed_or_lies_and_changes_nothing(actor, name, data, declared):
    before = _stored_paths()
    with pytest.raises(InvalidInput) as caught:
        file_store(actor=actor, upload=_upload(name, data, declared))
    assert caught.value.code == "file_type_not_allowed"
    assert "不支持该文件类型" in caught.value.message
    assert StoredFile.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert _stored_paths() == before


def test_refuses_a_type_the_deployment_does_not_allow(actor, settings):
    settings.YIWANG_FILE_TYPES = ["application/pdf"]
    with pytest.raises(InvalidInput) as caught:
        file_store(actor=actor, upload=_upload("a.png", PNG_BYTES, "image/png"))
    assert caught.value.code == "file_type_not_allowed"
    assert caught.value.message.endswith("允许的类型：PDF")


def test_refuses_an_empty_file(actor):
    before = _stored_paths()
    with pytest.raises(InvalidInput) as caught:
        file_store(actor=actor, upload=_upload("空.pdf", b"", "application/pdf"))
    assert caught.value.code == "file_empty"
    assert caught.value.message == "文件内容为空，请选择有效的文件"
    assert StoredFile.objects.count() == 0
    assert _stored_paths() == before


def test_refuses_a_file_over_the_limit_with_the_limit_in_mb(actor, settings):
    settings.YIWANG_FILE_MAX_BYTES = 1024 * 1024
    before = _stored_paths()
    data = b"%PDF-1.7\n" + b"0" * (1024 * 1024)
    with pytest.raises(InvalidInput) as caught:
        file_store(actor=actor, upload=_upload("大.pdf", data, "application/pdf"))
    assert caught.value.code == "file_too_large"
    assert caught.value.status == 413
    assert "1 MB" in caught.value.message
    assert caught.value.details == {"max_bytes": 1024 * 1024, "max_mb": 1.0}
    assert StoredFile.objects.count() == 0
    assert _stored_paths() == before


def test_a_file_exactly_at_the_limit_is_accepted(actor, settings):
    data = b"%PDF-1.7\n" + b"0" * 991
    settings.YIWANG_FILE_MAX_BYTES = len(data)
    assert file_store(actor=actor, upload=data, name="刚好.pdf").size == 1000


def test_the_size_is_counted_while_streaming_not_taken_from_the_client(actor, settings):
    settings.YIWANG_FILE_MAX_BYTES = 100
    upload = _upload("a.pdf", b"%PDF-" + b"0" * 200, "application/pdf")
    upload.size = 10  # a lying size attribute does not get past the limit
    with pytest.raises(InvalidInput) as caught:
        file_store(actor=actor, upload=upload)
    assert caught.value.code == "file_too_large"


def test_user_file_names_are_cleaned_for_display():
    assert files.clean_filename("../../etc/passwd") == "passwd"
    assert files.clean_filename("C:\\Users\\张三\\申请书.pdf") == "申请书.pdf"
    assert files.clean_filename("a\x00b\nc.pdf") == "abc.pdf"
    assert files.clean_filename("..") == "未命名文件"
    long_name = "很" * 300 + ".pdf"
    assert len(files.clean_filename(long_name)) == 255
    assert files.clean_filename(long_name).endswith(".pdf")


def test_anonymous_cannot_store():
    with pytest.raises(PermissionDenied):
        file_store(actor=Actor.for_user(None), upload=PDF_BYTES, name="a.pdf")
    assert StoredFile.objects.count() == 0


def test_a_failing_database_write_removes_the_stored_bytes(actor, monkeypatch):
    before = _stored_paths()

    def broken_audit(**kwargs):
        raise RuntimeError("数据库故障")

    monkeypatch.setattr(files, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        file_store(actor=actor, upload=PDF_BYTES, name="a.pdf")
    assert StoredFile.objects.count() == 0
    assert _stored_paths() == before


# ---------------------------------------------------------------- bulk copies of one content


def test_file_copies_store_the_content_once_and_hand_out_hard_linked_rows(citizen, department):
    before = _stored_paths()
    copies = file_copies(PDF_BYTES, name="样例.pdf", content_type="application/pdf")
    stored_at = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    rows = [
        copies.row(name="营业执照.pdf", owner=citizen, organization=department, stored_at=stored_at),
        copies.row(name="C:\\扫描\\身份证.pdf", owner=citizen, organization=department, stored_at=stored_at),
    ]
    assert all(row.pk is None for row in rows)
    StoredFile.objects.bulk_create(rows)

    single = file_store(actor=Actor.for_user(citizen), upload=PDF_BYTES, name="对照.pdf")
    stored = list(StoredFile.objects.filter(name__in=["营业执照.pdf", "身份证.pdf"]).order_by("name"))
    assert [s.name for s in stored] == ["营业执照.pdf", "身份证.pdf"]
    for row in stored:
        assert (row.content_type, row.size, row.sha256, row.sm3) == (
            single.content_type,
            single.size,
            single.sha256,
            single.sm3,
        )
        assert row.owner == citizen and row.organization == department
        assert row.storage_key.startswith("2025/03/")
        with file_content(file_open_for(Actor.for_user(citizen), row.uid)) as handle:
            assert handle.read() == PDF_BYTES
    assert len({row.storage_key for row in stored} | {copies.master_key}) == 3
    storage = storages["yiwang_files"]
    master = Path(storage.path(copies.master_key))
    assert copies.master_key.endswith(".pdf")
    assert {Path(storage.path(row.storage_key)).stat().st_ino for row in stored} == {master.stat().st_ino}
    assert len(_stored_paths() - before) == 4  # master, two copies, the file_store control
    assert AuditEvent.objects.filter(action="file.store").count() == 1  # only the control upload


@pytest.mark.parametrize(
    ("data", "name", "declared", "code"),
    [
        (EXE_BYTES, "样例.pdf", "application/pdf", "file_type_not_allowed"),
        (PNG_BYTES, "样例.pdf", "application/pdf", "file_type_not_allowed"),
        (b"", "样例.pdf", "application/pdf", "file_empty"),
    ],
)
def test_file_copies_refuse_what_file_store_refuses_and_store_nothing(data, name, declared, code):
    before = _stored_paths()
    with pytest.raises(InvalidInput) as caught:
        file_copies(data, name=name, content_type=declared)
    assert caught.value.code == code
    assert _stored_paths() == before


def test_file_copies_respect_the_size_limit(settings):
    settings.YIWANG_FILE_MAX_BYTES = 10
    with pytest.raises(InvalidInput) as caught:
        file_copies(PDF_BYTES, name="样例.pdf")
    assert caught.value.code == "file_too_large"


def test_a_copy_named_as_another_type_is_refused(citizen):
    copies = file_copies(PNG_BYTES, name="样例.png", content_type="image/png")
    before = _stored_paths()
    with pytest.raises(InvalidInput) as caught:
        copies.row(name="扫描件.pdf", owner=citizen)
    assert caught.value.code == "file_type_not_allowed"
    assert _stored_paths() == before
    assert copies.row(name="扫描件", owner=citizen).content_type == "image/png"


# ---------------------------------------------------------------- who may open a file


@pytest.fixture
def department():
    return OrganizationFactory(name="市市场监管局")


@pytest.fixture
def stored(actor, department):
    return file_store(actor=actor, upload=PDF_BYTES, name="营业执照申请.pdf", organization=department)


def _can_open(user, stored) -> bool:
    try:
        file_open_for(Actor.for_user(user), stored.uid)
    except NotFound:
        return False
    return True


def test_permission_matrix_of_the_selector(citizen, stored, department):
    child = OrganizationFactory(parent=department, region=department.region)
    other_department = OrganizationFactory()
    assert _can_open(citizen, stored)  # the owner
    assert not _can_open(None, stored)  # anonymous
    assert not _can_open(CitizenFactory(), stored)  # another citizen
    assert not _can_open(make_staff(department), stored)  # staff without the permission
    assert not _can_open(make_staff(other_department, permissions=["core.view_file"]), stored)
    assert not _can_open(make_staff(child, permissions=["core.view_file"]), stored)  # child cannot see up
    assert _can_open(make_staff(department, permissions=["core.view_file"]), stored)
    unrelated_tree_staff = make_staff(
        OrganizationFactory(region=department.region),
        permissions=["core.view_file"],
        scope=DataScope.DEPARTMENT_TREE,
    )
    assert not _can_open(unrelated_tree_staff, stored)
    assert _can_open(
        make_staff(other_department, permissions=["core.view_file"], scope=DataScope.ALL), stored
    )


def test_department_tree_scope_reaches_files_of_child_departments(actor, department):
    child = OrganizationFactory(parent=department, region=department.region)
    in_child = file_store(actor=actor, upload=PDF_BYTES, name="a.pdf", organization=child)
    assert _can_open(
        make_staff(department, permissions=["core.view_file"], scope=DataScope.DEPARTMENT_TREE), in_child
    )


def test_a_file_without_organisation_is_only_for_its_owner_and_all_scope(actor, citizen):
    personal = file_store(actor=actor, upload=PDF_BYTES, name="身份证.pdf")
    assert _can_open(citizen, personal)
    assert not _can_open(make_staff(OrganizationFactory(), permissions=["core.view_file"]), personal)
    assert _can_open(make_staff(permissions=["core.view_file"], scope=DataScope.ALL), personal)


def test_a_registered_domain_rule_can_grant_access(stored):
    handler = make_staff(OrganizationFactory())
    assert not _can_open(handler, stored)

    def handles_the_application(actor, file):
        return actor.user_id == handler.pk and file.pk == stored.pk

    register_file_access_rule(handles_the_application)
    try:
        assert _can_open(handler, stored)
        assert not _can_open(CitizenFactory(), stored)
    finally:
        files.unregister_file_access_rule(handles_the_application)
    assert not _can_open(handler, stored)


def test_unknown_and_malformed_uids_are_not_found(citizen):
    for uid in ["00000000-0000-0000-0000-000000000000", "not-a-uuid", ""]:
        with pytest.raises(NotFound) as caught:
            file_open_for(Actor.for_user(citizen), uid)
        assert caught.value.code == "file_not_found"


# ---------------------------------------------------------------- download page


def test_download_page_streams_the_file_with_safe_headers(client, citizen, stored):
    client.force_login(citizen)
    response = client.get(reverse("core:file_download", args=[stored.uid]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('营业执照申请.pdf')}"
    assert "sandbox" in response["Content-Security-Policy"]


def test_download_page_hides_files_from_others(client, stored, department):
    missing = reverse("core:file_download", args=["00000000-0000-0000-0000-000000000000"])
    url = reverse("core:file_download", args=[stored.uid])
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/accounts/" in anonymous["Location"]
    for user in [
        CitizenFactory(),
        make_staff(OrganizationFactory(), permissions=["core.view_file"]),
        make_staff(department),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 404
        assert b"%PDF" not in response.content
        assert client.get(missing).status_code == 404
    client.force_login(make_staff(department, permissions=["core.view_file"]))
    assert client.get(url).status_code == 200


# ---------------------------------------------------------------- API


def test_api_upload_returns_digests(client, citizen):
    client.force_login(citizen)
    response = client.post("/api/v1/files/", {"file": _upload("中文 名称.pdf", PDF_BYTES, "application/pdf")})
    assert response.status_code == 201, response.content
    body = response.json()
    stored = StoredFile.objects.get()
    assert body == {
        "uid": str(stored.uid),
        "name": "中文 名称.pdf",
        "content_type": "application/pdf",
        "size": len(PDF_BYTES),
        "sha256": hashlib.sha256(PDF_BYTES).hexdigest(),
        "sm3": stored.sm3,
        "created_at": body["created_at"],
    }


def test_api_upload_larger_than_the_memory_threshold_goes_through_a_temporary_file(client, citizen, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # force Django's TemporaryUploadedFile
    data = b"%PDF-1.7\n" + bytes(range(256)) * 64
    client.force_login(citizen)
    response = client.post("/api/v1/files/", {"file": _upload("扫描件.pdf", data, "application/pdf")})
    assert response.status_code == 201, response.content
    assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()
    with file_content(StoredFile.objects.get()) as handle:
        assert handle.read() == data


def test_api_upload_of_a_disguised_exe_is_refused_in_chinese(client, citizen):
    client.force_login(citizen)
    before = _stored_paths()
    response = client.post("/api/v1/files/", {"file": _upload("发票.pdf", EXE_BYTES, "application/pdf")})
    assert response.status_code == 400
    assert response.json()["code"] == "file_type_not_allowed"
    assert "不支持该文件类型" in response.json()["message"]
    assert StoredFile.objects.count() == 0
    assert _stored_paths() == before


def test_api_upload_too_large_is_413(client, citizen, settings):
    settings.YIWANG_FILE_MAX_BYTES = 10
    client.force_login(citizen)
    response = client.post("/api/v1/files/", {"file": _upload("a.pdf", PDF_BYTES, "application/pdf")})
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert StoredFile.objects.count() == 0


def test_api_upload_needs_login(client):
    response = client.post("/api/v1/files/", {"file": _upload("a.pdf", PDF_BYTES, "application/pdf")})
    assert response.status_code == 401
    assert StoredFile.objects.count() == 0


def test_api_metadata_and_content_for_the_owner(client, citizen, stored):
    client.force_login(citizen)
    metadata = client.get(f"/api/v1/files/{stored.uid}")
    assert metadata.status_code == 200
    assert metadata.json()["sha256"] == stored.sha256
    content = client.get(f"/api/v1/files/{stored.uid}/content")
    assert content.status_code == 200
    assert b"".join(content.streaming_content) == PDF_BYTES
    assert content["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("suffix", ["", "/content"])
def test_api_hides_files_from_others_exactly_like_missing_ones(client, stored, department, suffix):
    url = f"/api/v1/files/{stored.uid}{suffix}"
    missing = f"/api/v1/files/00000000-0000-0000-0000-000000000000{suffix}"
    assert client.get(url).status_code == 401
    others = [
        CitizenFactory(),
        make_staff(OrganizationFactory(), permissions=["core.view_file"]),  # another department
        make_staff(department),  # same department, no permission
    ]
    for user in others:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == client.get(missing).json()
        assert response.json()["code"] == "file_not_found"
    client.force_login(make_staff(department, permissions=["core.view_file"]))
    assert client.get(url).status_code == 200
