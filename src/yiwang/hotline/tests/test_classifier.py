"""The 12345 ticket classifier (hotline.classifier) and its two commands, on hand-written messages:
6 categories × 8 training messages, and 3 held-out messages per category worded differently."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import joblib
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from yiwang.hotline import classifier
from yiwang.hotline.classifier import ClassifierInputError, Report

TRAIN = {
    "噪音扰民": [
        "楼下广场舞音响声音太大，每天晚上吵到十点",
        "隔壁工地半夜还在施工，噪音大得睡不着觉",
        "楼上邻居天天深夜蹦迪，噪音扰民严重",
        "小区门口的商铺用大喇叭循环放广告，太吵了",
        "酒吧音乐声很大，凌晨两点还在响，影响休息",
        "装修电钻声从早响到晚，周末也不停",
        "夜里货车卸货噪音特别大，吵醒孩子",
        "KTV包厢唱歌声传到居民楼，投诉噪音",
    ],
    "路灯不亮": [
        "小区门口的路灯坏了好几天，晚上一片漆黑",
        "解放路这一段路灯全都不亮，走夜路很危险",
        "路灯一闪一闪的，麻烦派人来修一下",
        "桥下的路灯灯泡烧了，晚上看不清路",
        "新修的道路一直没装路灯，天黑后很暗",
        "公园里的路灯不亮，晚上散步不安全",
        "路口两盏路灯都熄了，已经一个星期",
        "巷子里的照明灯坏了，老人晚上摔倒了",
    ],
    "拖欠工资": [
        "老板拖欠我们三个月工资一直不发",
        "工地包工头欠薪跑路了，二十多个工人拿不到钱",
        "辞职以后公司不结算最后一个月的工资",
        "饭店拖欠服务员工资，打电话也不接",
        "公司说资金紧张，工资拖了半年",
        "干完活老板不给工钱，要求帮忙讨薪",
        "单位克扣加班费，还拖欠绩效工资",
        "装修队老板欠我们的工资不还，请劳动监察处理",
    ],
    "垃圾清运": [
        "小区垃圾桶满了好几天没人清运，臭气熏天",
        "路边垃圾堆成小山，一直没有环卫来拉走",
        "垃圾站没有及时清理，苍蝇蚊子很多",
        "建筑垃圾堆在楼道口，物业不清理",
        "菜市场门口垃圾没人收，污水横流",
        "村里的垃圾池满了，请安排车辆清运",
        "大件垃圾扔在绿化带里一个月了",
        "垃圾车只来一次，厨余垃圾放到发臭",
    ],
    "停水": [
        "家里突然停水了，也没有提前通知",
        "整个小区停水一整天了，什么时候恢复供水",
        "早上起来水龙头没有水，附近都停了",
        "自来水停了三天，老人做饭都没水",
        "管道维修停水没有公告，居民很不方便",
        "楼里断水了，问物业也说不清原因",
        "突然停水，家里水箱也用完了，请尽快来水",
        "这两天一直间歇性停水，生活受影响",
    ],
    "医保报销": [
        "异地就医的费用医保怎么报销",
        "住院花了三万，医保报销比例是多少",
        "门诊慢性病的药费能不能走医保报销",
        "医保报销材料交了两个月还没到账",
        "在外地看病回来怎么办理医保报销手续",
        "孩子住院的费用医保不给报，想咨询原因",
        "医保卡刷不了，报销要自己垫付吗",
        "大病医保二次报销需要准备什么材料",
    ],
}

TEST = {
    "噪音扰民": [
        "晚上十一点了楼下还在放音乐跳舞，吵死了",
        "凌晨施工的机器轰隆隆响，噪音扰民",
        "邻居家狗叫加上音响声，太吵",
    ],
    "路灯不亮": ["我们村口的路灯坏了没人修，黑乎乎的", "人民路上好多路灯不亮", "小区里路灯晚上不亮，请维修"],
    "拖欠工资": ["厂里拖欠工资两个月了", "老板跑了，我们的工资没人发", "工地欠我们工人的工钱快一年了"],
    "垃圾清运": ["楼下垃圾好几天没清运了", "垃圾桶旁边堆满了垃圾，臭得很", "请环卫把路口的垃圾拉走"],
    "停水": ["我家停水半天了，什么时候来水", "小区又停水了，没有任何通知", "今天突然没有水了，是停水了吗"],
    "医保报销": ["看病的钱医保能报销多少", "医保报销到底要什么材料", "外地住院回来怎么报销医保"],
}


def rows_of(data: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(text, label) for label, texts in data.items() for text in texts]


def write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]], *, bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def model() -> classifier.TrainedModel:
    texts, labels = zip(*rows_of(TRAIN), strict=True)
    return classifier.train(list(texts), list(labels))


def files_in(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*")}


# ------------------------------------------------------------------------------------ reading


def test_csv_with_and_without_bom_and_xlsx_read_the_same_rows(tmp_path: Path) -> None:
    rows = [*rows_of(TRAIN), ("", "停水"), ("没有类别的留言", " ")]  # the last two are skipped
    expected = ([text for text, _ in rows_of(TRAIN)], [label for _, label in rows_of(TRAIN)])

    with_bom = write_csv(tmp_path / "a.csv", ["内容", "类别"], rows, bom=True)
    without_bom = write_csv(tmp_path / "b.csv", ["内容", "类别"], rows, bom=False)
    workbook = write_xlsx(tmp_path / "c.xlsx", ["内容", "类别"], rows)

    assert classifier.load_labelled(with_bom) == expected
    assert classifier.load_labelled(without_bom) == expected
    assert classifier.load_labelled(workbook) == expected


def test_a_gb18030_csv_from_excel_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("内容,类别\n家里停水了,停水\n路灯坏了,路灯不亮\n".encode("gb18030"))

    assert classifier.load_labelled(path) == (["家里停水了", "路灯坏了"], ["停水", "路灯不亮"])


def test_several_text_columns_are_joined_in_the_given_order(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        ["标题", "内容", "分类"],
        [("停水", "小区一天没水\r\n请尽快处理", "供水"), ("", "路灯坏了", "照明"), ("噪音", "", "环境")],
    )

    texts, labels = classifier.load_labelled(path, text_columns=["标题", "内容"], label_column="分类")

    assert texts == ["停水。小区一天没水\r\n请尽快处理", "路灯坏了", "噪音"]  # a quoted field keeps its lines
    assert labels == ["供水", "照明", "环境"]


def test_english_column_names_are_accepted_when_the_defaults_are_missing(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "en.csv", ["id", "text", "label"], [("1", "家里停水", "停水"), ("2", "路灯坏了", "路灯")]
    )

    assert classifier.load_labelled(path) == (["家里停水", "路灯坏了"], ["停水", "路灯"])
    with pytest.raises(ClassifierInputError, match="缺少列 「内容」"):
        classifier.load_labelled(path, text_columns=["内容"])  # named explicitly: no fallback


def test_normalisation_folds_width_case_punctuation_and_numbers() -> None:
    assert (
        classifier.normalize("ＡＢＣ　路灯！！坏了，电话１３８-１２３４-５６７８。3号楼")
        == "abc 路灯 坏了 电话 # 3号楼"
    )
    assert (
        classifier.normalize("身份证320102199001011234X  工单号 20240101\n\t停水") == "身份证 # 工单号 # 停水"
    )


# ------------------------------------------------------------------------------ train, suggest


def test_suggestions_are_sorted_probabilities(model: classifier.TrainedModel) -> None:
    texts = [text for texts in TEST.values() for text in texts] + ["", "123456789", "什么问题都没有"]

    suggestions = model.suggest(texts, k=3)

    assert len(suggestions) == len(texts)
    for ranked in suggestions:
        assert len(ranked) == 3
        confidences = [suggestion.confidence for suggestion in ranked]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= value <= 1.0 for value in confidences)
        assert sum(confidences) <= 1.0001
        assert {suggestion.label for suggestion in ranked} <= set(TRAIN)
    assert len(model.suggest(["停水"], k=50)[0]) == 6
    assert model.suggest([]) == []


def test_held_out_messages_are_classified(model: classifier.TrainedModel) -> None:
    texts, labels = zip(*rows_of(TEST), strict=True)

    report = classifier.holdout(model, list(texts), list(labels))

    assert report.accuracy >= 0.85, report.to_json()
    assert model.suggest(["我家突然停水了"], k=1)[0][0].label == "停水"
    assert model.suggest(["医保怎么报销"], k=1)[0][0].label == "医保报销"
    assert (report.n_train, report.n_test, report.folds) == (48, 18, None)
    assert model.classes == sorted(TRAIN)


def test_save_and_load_give_the_same_suggestions(model: classifier.TrainedModel, tmp_path: Path) -> None:
    path = classifier.save(model, tmp_path / "nested" / "model.joblib")

    loaded = classifier.load(path)

    texts = [text for texts in TEST.values() for text in texts]
    assert loaded.suggest(texts, k=3) == model.suggest(texts, k=3)
    assert (loaded.classes, loaded.n_train, loaded.trained_at) == (model.classes, 48, model.trained_at)
    assert loaded.versions["scikit-learn"] == model.versions["scikit-learn"]
    assert files_in(tmp_path) == {"nested", "nested/model.joblib"}  # no temporary file left behind


def test_load_refuses_another_format_version_and_a_broken_file(tmp_path: Path) -> None:
    joblib.dump({"format_version": 0, "pipeline": None}, tmp_path / "old.joblib")
    (tmp_path / "broken.joblib").write_bytes(b"not a model")

    with pytest.raises(ClassifierInputError, match="格式版本为 0，当前程序需要 1，请重新训练"):
        classifier.load(tmp_path / "old.joblib")
    with pytest.raises(ClassifierInputError, match=r"无法读取模型文件 broken\.joblib"):
        classifier.load(tmp_path / "broken.joblib")
    with pytest.raises(ClassifierInputError, match="找不到模型文件"):
        classifier.load(tmp_path / "missing.joblib")


def test_cross_validation_predicts_every_row_once_and_is_repeatable() -> None:
    texts, labels = zip(*rows_of(TRAIN), strict=True)

    first = classifier.cross_validate(list(texts), list(labels), folds=4)
    second = classifier.cross_validate(list(texts), list(labels), folds=4)

    assert first == second
    assert (first.n_train, first.n_test, first.folds) == (48, 48, 4)
    assert sum(map(sum, first.confusion)) == 48
    assert [row["support"] for row in first.per_class.values()] == [8] * 6
    assert first.macro_f1 >= 0.75, first.to_json()


def test_cross_validation_needs_enough_rows_per_class() -> None:
    with pytest.raises(ClassifierInputError, match=r"5 折交叉验证要求每个类别至少 5 条记录.*「乙」3 条"):
        classifier.cross_validate(["甲"] * 6 + ["乙"] * 3, ["甲"] * 6 + ["乙"] * 3, folds=5)


def test_the_confusion_image_grows_with_the_classes(tmp_path: Path) -> None:
    def report(count: int) -> Report:
        labels = [f"类别{number}" for number in range(count)]
        matrix = [[5 if row == column else 1 for column in range(count)] for row in range(count)]
        return Report(0.5, 0.5, 0.5, {}, labels, matrix, 10, 10)

    small = classifier.write_confusion_image(report(6), tmp_path / "small.png", font=None)
    large = classifier.write_confusion_image(report(45), tmp_path / "large.png", font=None)

    assert png_size(small) == (620, 500)
    assert png_size(large) == (1450, 1330)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


# ----------------------------------------------------------------------------------- commands


def test_train_command_saves_a_model_that_suggests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_xlsx(tmp_path / "train.xlsx", ["内容", "类别"], rows_of(TRAIN))
    output = tmp_path / "models" / "classifier.joblib"

    call_command("hotline_train", "--input", str(source), "--output", str(output))

    assert "训练完成：48 条、6 个类别" in capsys.readouterr().out
    assert classifier.load(output).suggest(["小区停水了"], k=1)[0][0].label == "停水"


def test_train_command_defaults_to_the_data_directory(settings: object, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"  # type: ignore[attr-defined]
    source = write_csv(tmp_path / "train.csv", ["内容", "类别"], rows_of(TRAIN))

    call_command("hotline_train", "--input", str(source))

    assert classifier.load(tmp_path / "data" / "hotline" / "classifier.joblib").n_train == 48


def test_evaluate_command_with_a_test_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "train.csv", ["内容", "类别"], rows_of(TRAIN))
    test = write_xlsx(tmp_path / "test.xlsx", ["内容", "类别"], rows_of(TEST))
    output = tmp_path / "out" / "report.json"

    call_command("hotline_evaluate", "--input", str(source), "--test", str(test), "--output", str(output))

    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(output.read_text(encoding="utf-8"))
    assert set(printed) == {
        "accuracy", "macro_f1", "weighted_f1", "per_class", "labels", "confusion", "n_train", "n_test", "folds",
    }  # fmt: skip
    assert printed["accuracy"] >= 0.85
    assert (printed["n_train"], printed["n_test"], printed["folds"]) == (48, 18, None)
    assert set(printed["per_class"]) == set(TRAIN)
    assert set(printed["per_class"]["停水"]) == {"precision", "recall", "f1", "support"}
    assert printed["per_class"]["停水"]["support"] == 3
    assert png_size(tmp_path / "out" / "report.png")[0] >= 500


def test_evaluate_command_with_folds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "train.csv", ["内容", "类别"], rows_of(TRAIN))
    image = tmp_path / "cm.png"

    call_command("hotline_evaluate", "--input", str(source), "--folds", "4", "--confusion", str(image))

    printed = json.loads(capsys.readouterr().out)
    assert (printed["n_train"], printed["n_test"], printed["folds"]) == (48, 48, 4)
    assert printed["labels"] == sorted(TRAIN)
    assert len(printed["confusion"]) == 6
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


ONE_CLASS = [(text, "停水") for text, _ in rows_of(TRAIN)]
SINGLETON = [*rows_of(TRAIN), ("有一条孤零零的留言", "孤类")]


@pytest.mark.parametrize(
    ("command", "name", "header", "rows", "arguments", "message"),
    [
        (
            "train",
            "t.csv",
            ["内容", "类型"],
            rows_of(TRAIN),
            [],
            "文件 t.csv 缺少列 「类别」（文件中的列：内容、类型）",
        ),
        (
            "train",
            "t.csv",
            ["内容", "类别"],
            rows_of(TRAIN),
            ["--text-columns", "标题", "内容"],
            "缺少列 「标题」",
        ),
        ("train", "t.xlsx", ["内容", "类别"], ONE_CLASS, [], "t.xlsx 中只有 1 个类别"),
        ("evaluate", "t.csv", ["内容", "类别"], ONE_CLASS, ["--folds", "2"], "t.csv 中只有 1 个类别"),
        ("train", "t.xls", ["内容", "类别"], rows_of(TRAIN), [], "不支持的文件类型「.xls」"),
        ("evaluate", "t.txt", ["内容", "类别"], rows_of(TRAIN), ["--folds", "2"], "不支持的文件类型「.txt」"),
        (
            "train",
            "t.csv",
            ["内容", "类别"],
            SINGLETON,
            [],
            "训练要求每个类别至少 2 条记录，t.csv 中不足的有：「孤类」1 条",
        ),
        (
            "evaluate",
            "t.csv",
            ["内容", "类别"],
            rows_of(TRAIN),
            ["--folds", "9"],
            "9 折交叉验证要求每个类别至少 9 条记录",
        ),
        ("evaluate", "t.csv", ["内容", "类别"], rows_of(TRAIN), ["--folds", "1"], "折数至少为 2"),
        (
            "evaluate",
            "t.csv",
            ["内容", "类别"],
            rows_of(TRAIN),
            ["--test", "missing.csv"],
            "测试文件：找不到文件",
        ),
        (
            "evaluate",
            "t.csv",
            ["内容", "类别"],
            rows_of(TRAIN),
            ["--test", "t.csv", "--label-column", "类型"],
            "缺少列 「类型」",
        ),
    ],
)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(
    tmp_path: Path,
    command: str,
    name: str,
    header: list[str],
    rows: list[tuple[str, str]],
    arguments: list[str],
    message: str,
) -> None:
    source = tmp_path / name
    (write_xlsx if name.endswith(".xlsx") else write_csv)(source, header, rows)
    before = files_in(tmp_path)
    arguments = [str(tmp_path / part) if part.endswith(".csv") else part for part in arguments]
    output = ["--output", str(tmp_path / "out" / ("model.joblib" if command == "train" else "report.json"))]

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command(f"hotline_{command}", "--input", str(source), *arguments, *output)

    assert files_in(tmp_path) == before


def test_a_missing_input_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"找不到文件：.*nothing\.csv"):
        call_command(
            "hotline_train", "--input", str(tmp_path / "nothing.csv"), "--output", str(tmp_path / "m")
        )
    assert files_in(tmp_path) == set()
