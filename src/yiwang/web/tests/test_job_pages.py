"""Background job pages: the progress partial polls while the job runs and stops once it ended; only
the requester sees the job and its result file; anonymous visitors are sent to sign in."""

from __future__ import annotations

import pytest

from yiwang.core.files import file_store
from yiwang.core.jobs import job_create, job_fail, job_finish, job_progress, job_start
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
POLLING = 'hx-trigger="every 1s"'


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def job(owner):
    return job_create(actor=Actor.for_user(owner), kind="test.import", title="导入事项实施清单「清单.xlsx」")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _progress(client, job):
    return client.get(f"/jobs/{job.pk}/progress/")


def test_a_queued_job_polls_and_says_it_waits(owner_client, job):
    response = _progress(owner_client, job)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert POLLING in html and f'hx-get="/jobs/{job.pk}/progress/"' in html and 'hx-swap="outerHTML"' in html
    assert "排队中，稍候开始处理" in html and "导入事项实施清单「清单.xlsx」" in html


def test_a_running_job_shows_the_bar_and_the_count(owner_client, job):
    job_start(job.pk)
    job_progress(job.pk, 123, 456)
    html = _progress(owner_client, job).content.decode()
    assert POLLING in html
    assert '<progress class="job-bar" max="456" value="123"' in html
    assert "已处理 123 / 456 行" in html and "（26%）" in html and "进行中" in html


def test_a_finished_job_stops_polling_and_shows_the_summary(owner_client, owner, job):
    job_start(job.pk)
    job_progress(job.pk, 3, 3)
    job_finish(job.pk, actor=Actor.for_user(owner), message="导入完成：已处理 3 行，新增 3 项。")
    html = _progress(owner_client, job).content.decode()
    assert POLLING not in html and "hx-get" not in html
    assert "已处理 3 / 3 行" in html and "导入完成：已处理 3 行，新增 3 项。" in html and "已完成" in html


def test_a_failed_job_lists_the_errors_and_links_the_report(owner_client, owner, job):
    actor = Actor.for_user(owner)
    report = file_store(actor=actor, upload=PDF_BYTES, name="错误报告.pdf")
    errors = [{"sheet": "事项实施清单", "row": 2, "column": "法定办结时限", "message": "应为整数"}]
    job_fail(
        job.pk,
        actor=actor,
        message="已校验 1 行，发现 1 处错误，未导入任何事项。",
        result={"errors": errors, "error_count": 1},
        result_file=report,
    )
    html = _progress(owner_client, job).content.decode()
    assert POLLING not in html
    assert "已校验 1 行，发现 1 处错误，未导入任何事项。" in html
    assert "<td>事项实施清单</td><td>2</td><td>法定办结时限</td><td>应为整数</td>" in html
    assert f'href="/jobs/{job.pk}/result/"' in html
    response = owner_client.get(f"/jobs/{job.pk}/result/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES


def test_more_errors_than_shown_are_counted(owner_client, owner, job):
    errors = [{"sheet": "事项实施清单", "row": n, "column": "", "message": "不能为空"} for n in range(2, 4)]
    job_fail(
        job.pk,
        actor=Actor.for_user(owner),
        message="发现 250 处错误",
        result={"errors": errors, "error_count": 250},
    )
    html = _progress(owner_client, job).content.decode()
    assert "共 250 处错误，以下列出前 2 处，全部错误见错误报告。" in html


def test_the_job_page_includes_the_partial(owner_client, job):
    html = owner_client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'id="job-{job.pk}"' in html and POLLING in html and "htmx.min.js" in html


def test_another_user_gets_404_everywhere(client, owner, job):
    report = file_store(actor=Actor.for_user(owner), upload=PDF_BYTES, name="错误报告.pdf")
    job_fail(job.pk, actor=Actor.for_user(owner), message="失败", result_file=report)
    client.force_login(CitizenFactory())
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress/", f"/jobs/{job.pk}/result/"):
        assert client.get(url).status_code == 404, url


def test_a_job_without_result_file_has_no_download(owner_client, job):
    assert owner_client.get(f"/jobs/{job.pk}/result/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, job):
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress/", f"/jobs/{job.pk}/result/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}", url
