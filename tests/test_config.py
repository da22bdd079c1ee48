"""The packaged 明州市 policy, its lookups, and how broken configurations fail."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from pipeline.config import Policy, load_policy
from pipeline.config.loader import DEFAULT_CONFIG_DIR
from pipeline.config.schema import SensitiveWindow
from pipeline.errors import ConfigError, ExitCode


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A private copy of the defaults, for a test to break."""
    target = tmp_path / "policy"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def load_error(config_dir: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_policy(config_dir)
    return caught.value


# --- the defaults ------------------------------------------------------------


def test_default_policy_has_the_reference_shape(policy: Policy) -> None:
    assert policy.jurisdiction.city == "明州市"
    assert len(policy.category_codes) == 14
    assert policy.category_codes[0] == "land_acquisition" and policy.category_codes[-1] == "other"
    assert policy.county_names == ("东城区", "南湖区", "青山县", "河西县", "北岭县")
    assert sum(len(c.townships) for c in policy.jurisdiction.counties) == 17
    assert [c.kind for c in policy.jurisdiction.counties] == ["district", "district", "county", "county", "county"]


def test_default_is_cached_and_a_copy_loads_equal(policy: Policy, config_dir: Path) -> None:
    assert load_policy() is policy
    assert load_policy(config_dir) == policy


def test_policy_is_frozen(policy: Policy) -> None:
    with pytest.raises(ValidationError):
        policy.routing = policy.routing  # type: ignore[misc]


def test_category_lookup(policy: Policy) -> None:
    fundraising = policy.category("illegal_fundraising")
    assert (fundraising.name, fundraising.department, fundraising.co_department) == ("非法集资", "finance", "public_security")
    assert policy.category("other").base_risk == "low"
    with pytest.raises(KeyError):
        policy.category("parking")


def test_place_lookups(policy: Policy) -> None:
    assert policy.county_of_township("石桥镇") == "南湖区"
    assert policy.county_of_township("柳河镇") == "青山县"
    assert policy.county_of_township("不存在镇") is None
    assert policy.township_of_village("赵家湾村") == [("青山县", "柳河镇")]
    assert policy.township_of_village("纺织厂社区") == [("东城区", "西园街道")]
    assert policy.township_of_village("无名村") == []


@pytest.mark.parametrize(
    ("role", "level", "county", "township", "expected"),
    [
        ("human_resources", "county", "青山县", None, "青山县人力资源和社会保障局"),
        ("human_resources", "county", "东城区", None, "东城区人力资源和社会保障局"),
        ("transport", "city", None, None, "明州市交通运输局"),
        ("political_legal", "city", None, None, "明州市委政法委员会"),
        ("political_legal", "county", "青山县", None, "青山县委政法委员会"),
        ("petition_bureau", "city", None, None, "明州市信访局"),
        ("government", "county", "河西县", None, "河西县人民政府"),
        ("government", "township", None, "柳河镇", "柳河镇人民政府"),
        ("government", "township", "东城区", "东湖街道", "东湖街道办事处"),
        ("government", "township", None, "龙潭乡", "龙潭乡人民政府"),
    ],
)
def test_unit_names(policy: Policy, role: str, level: Any, county: str | None, township: str | None, expected: str) -> None:
    assert policy.unit_name(role, level, county=county, township=township) == expected


def test_township_government(policy: Policy) -> None:
    assert policy.township_government("柳河镇") == "柳河镇人民政府"
    assert policy.township_government("东湖街道") == "东湖街道办事处"
    with pytest.raises(KeyError):
        policy.township_government("不存在镇")


def test_unit_name_refuses_to_guess(policy: Policy) -> None:
    with pytest.raises(KeyError):
        policy.unit_name("tourism", "city")
    with pytest.raises(KeyError):
        policy.unit_name("housing", "county", county="西山县")
    with pytest.raises(ValueError, match="needs the county"):
        policy.unit_name("housing", "county")
    with pytest.raises(ValueError, match="no 'agriculture' department"):
        policy.unit_name("agriculture", "township", township="柳河镇")
    with pytest.raises(ValueError, match="not in 河西县"):
        policy.unit_name("government", "township", county="河西县", township="柳河镇")


def test_routing_and_risk_rules(policy: Policy) -> None:
    assert policy.triage_unit == "明州市信访局"
    assert policy.routing.township_level_categories == ("rural_collective_affairs",)
    assert policy.routing.city_level.min_counties == 2
    assert "铁路二线" in policy.jurisdiction.city_level_projects
    assert "明州钢铁公司" in policy.jurisdiction.city_level_enterprises
    tiers = policy.risk.signatory_tiers
    assert (tiers.medium, tiers.high, tiers.urgent_with_visit_intent) == (10, 50, 100)
    assert policy.risk.repeated_matter.min_letters == 3
    assert policy.risk.condition_levels.threatens_province_or_beijing_visit == "urgent"
    assert policy.risk.condition_levels.announces_collective_visit == "high"
    assert policy.risk.level_names["urgent"] == "紧急"
    assert policy.review.classification_confidence_min == 0.6
    assert policy.review.ocr_confidence_min == 70


@pytest.mark.parametrize(
    ("level", "expected"), [("urgent", (1, 15)), ("high", (3, 30)), ("medium", (15, 60)), ("low", (15, 60))]
)
def test_deadlines(policy: Policy, level: str, expected: tuple[int, int]) -> None:
    assert policy.deadlines_for(level) == expected


def test_deadline_extension_and_unknown_level(policy: Policy) -> None:
    assert (policy.deadlines.extension.max_count, policy.deadlines.extension.max_days) == (1, 30)
    with pytest.raises(KeyError):
        policy.deadlines_for("critical")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("410105199001011234", "410***********1234"),
        ("41010519900101123X", "410***********123X"),
        ("410105 19900101 1234", "410***********1234"),
        ("4101", "****"),  # too short to show ends without showing it all
    ],
)
def test_mask_id_number(policy: Policy, raw: str, masked: str) -> None:
    assert policy.mask_id_number(raw) == masked


def test_mask_phone(policy: Policy) -> None:
    assert policy.mask_phone("13812345678") == "138****5678"
    assert policy.mask_phone("138 1234 5678") == "138****5678"


@pytest.mark.parametrize(
    ("day", "windows"),
    [
        (date(2026, 1, 1), ["两会"]),
        (date(2026, 3, 10), ["两会"]),
        (date(2026, 3, 15), ["两会"]),
        (date(2026, 3, 16), []),
        (date(2026, 8, 31), []),
        (date(2026, 9, 1), ["国庆"]),
        (date(2026, 10, 7), ["国庆"]),
        (date(2026, 10, 8), []),
    ],
)
def test_sensitive_windows(policy: Policy, day: date, windows: list[str]) -> None:
    assert policy.in_sensitive_window(day) == windows


def test_a_window_may_run_over_the_new_year() -> None:
    window = SensitiveWindow(name="元旦", start="12-20", end="01-05")
    assert window.contains(date(2026, 12, 31)) and window.contains(date(2027, 1, 5))
    assert not window.contains(date(2027, 1, 6)) and not window.contains(date(2026, 12, 19))


# --- broken configurations ------------------------------------------------------


def test_bad_yaml_names_file_and_line(config_dir: Path) -> None:
    rules = config_dir / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\nreview: [unclosed\n", encoding="utf-8")
    error = load_error(config_dir)
    assert error.file == str(rules)
    assert error.field is not None and error.field.startswith("line ")
    assert "not valid YAML" in str(error)
    assert error.exit_code == ExitCode.config


def test_unknown_base_risk(config_dir: Path) -> None:
    edit_yaml(config_dir / "taxonomy.yaml", lambda d: d["categories"][3].update(base_risk="extreme"))
    error = load_error(config_dir)
    assert error.file == str(config_dir / "taxonomy.yaml")
    assert error.field == "categories.3.base_risk"
    assert "'extreme' is not allowed" in str(error) and "'high', 'medium' or 'low'" in str(error)


def test_misspelt_key_is_named_with_a_suggestion(config_dir: Path) -> None:
    rules = config_dir / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "  classification_confidence_min:" in text
    rules.write_text(text.replace("  classification_confidence_min:", "  clasification_confidence_min:"), encoding="utf-8")
    error = load_error(config_dir)
    assert error.file == str(rules)
    assert error.field == "review.clasification_confidence_min"
    assert "unknown key" in str(error) and "did you mean 'classification_confidence_min'" in str(error)


def test_misspelt_required_key_is_reported_as_one_misspelling(config_dir: Path) -> None:
    def misspell(data: Any) -> None:
        data["categories"][0]["departmnet"] = data["categories"][0].pop("department")

    edit_yaml(config_dir / "taxonomy.yaml", misspell)
    error = load_error(config_dir)
    assert error.file == str(config_dir / "taxonomy.yaml")
    assert error.field == "categories.0.departmnet"
    assert "unknown key 'departmnet'; did you mean 'department'?" in str(error)
    assert "further problems" not in str(error)  # the 'missing department' is the same mistake


def test_every_problem_is_listed(config_dir: Path) -> None:
    def break_two(data: Any) -> None:
        data["categories"][1]["base_risk"] = "severe"
        data["categories"][2]["code"] = "Construction Damage"

    edit_yaml(config_dir / "taxonomy.yaml", break_two)
    error = load_error(config_dir)
    first_line, _, rest = str(error).partition("\n")
    assert error.field == "categories.1.base_risk" and "categories.1.base_risk)" in first_line
    assert "at categories.2.code: 'Construction Damage' is not in the expected form" in rest


def test_missing_file(config_dir: Path) -> None:
    (config_dir / "jurisdiction.yaml").unlink()
    error = load_error(config_dir)
    assert error.file == str(config_dir / "jurisdiction.yaml")
    assert "missing" in str(error)


def test_missing_folder(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nowhere")
    assert error.file == str(tmp_path / "nowhere")


def test_unknown_department_role(config_dir: Path) -> None:
    edit_yaml(config_dir / "taxonomy.yaml", lambda d: d["categories"][5].update(department="labour"))
    error = load_error(config_dir)
    assert error.file == str(config_dir / "taxonomy.yaml")
    assert error.field == "categories.5.department"
    assert "'labour'" in str(error) and "not a role" in str(error)


def test_township_names_unique_across_city(config_dir: Path) -> None:
    edit_yaml(config_dir / "jurisdiction.yaml", lambda d: d["counties"][4]["townships"].append({"name": "柳河镇"}))
    error = load_error(config_dir)
    assert error.file == str(config_dir / "jurisdiction.yaml")
    assert error.field == "counties.4.townships.3.name"
    assert "青山县" in str(error) and "北岭县" in str(error)


def test_invalid_window_date(config_dir: Path) -> None:
    edit_yaml(config_dir / "rules.yaml", lambda d: d["risk"]["sensitive_windows"][0].update(end="02-30"))
    error = load_error(config_dir)
    assert error.file == str(config_dir / "rules.yaml")
    assert error.field == "risk.sensitive_windows.0.end"
    assert "02-30" in str(error)


def test_unknown_risk_level_in_deadline_table(config_dir: Path) -> None:
    edit_yaml(config_dir / "rules.yaml", lambda d: d["deadlines"]["by_risk"].update(severe=d["deadlines"]["by_risk"]["high"]))
    error = load_error(config_dir)
    assert error.field == "deadlines.by_risk.severe"
    assert "key 'severe' is not allowed; expected 'urgent', 'high', 'medium' or 'low'" in str(error)


def test_deadline_table_must_cover_every_level(config_dir: Path) -> None:
    edit_yaml(config_dir / "rules.yaml", lambda d: d["deadlines"]["by_risk"].pop("low"))
    error = load_error(config_dir)
    assert error.field == "deadlines.by_risk"
    assert "low" in str(error)


def test_township_level_category_must_exist(config_dir: Path) -> None:
    edit_yaml(config_dir / "rules.yaml", lambda d: d["routing"].update(township_level_categories=["village_affairs"]))
    error = load_error(config_dir)
    assert error.file == str(config_dir / "rules.yaml")
    assert error.field == "routing.township_level_categories.0"


def test_duplicate_yaml_key_is_rejected(config_dir: Path) -> None:
    rules = config_dir / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("    high: 50 ", "    high: 50\n    high: 60 ", 1), encoding="utf-8")
    error = load_error(config_dir)
    assert error.file == str(rules)
    assert "'high' appears twice" in str(error)
