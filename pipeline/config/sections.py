"""The models for each section of the policy configuration.

Every model is frozen, because one loaded policy is cached and shared by every
stage and must not drift at run time, and forbids unknown keys, because a
misspelt key in YAML would otherwise be ignored and a default silently used.

Checks that span models (a category naming an unknown department role, a
duplicate township) raise :class:`ConfigFieldError`, which carries the path of
the offending value so the loader can point at ``categories.3.department``
rather than at the whole file. The aggregate ``Policy`` with its lookups
lives in :mod:`pipeline.config.schema`, which re-exports these models.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

RiskLevel = Literal["urgent", "high", "medium", "low"]
RISK_LEVELS: tuple[RiskLevel, ...] = ("urgent", "high", "medium", "low")  # highest first
BaseRisk = Literal["high", "medium", "low"]
UnitLevel = Literal["city", "county", "township"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Codes and roles are stored in the database and referenced across files, so
# they are kept to a spelling that survives every tool: snake_case ASCII.
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
MonthDay = Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")]


class ConfigFieldError(ValueError):
    """A value is inconsistent with another; ``path`` is relative to the raising model."""

    def __init__(self, message: str, path: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.path = path


class ConfigModel(BaseModel):
    """Base of every config model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _first_duplicate(values: list[str]) -> int | None:
    """Index of the first value that already occurred earlier, if any."""
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            return index
        seen.add(value)
    return None


# --- taxonomy.yaml -----------------------------------------------------------


class Category(ConfigModel):
    code: Code
    name: Name
    description: str = ""
    department: Code
    co_department: Code | None = None
    base_risk: BaseRisk
    # Phrases by which a letter of another category raises this one as a
    # secondary matter; "…" in a phrase stands for a few characters of the
    # same clause (拖欠…工资 matches 拖欠的六个月工资).
    secondary_cues: tuple[Name, ...] = ()


class Taxonomy(ConfigModel):
    categories: tuple[Category, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_and_names_unique(self) -> Taxonomy:
        for key in ("code", "name"):
            dup = _first_duplicate([getattr(c, key) for c in self.categories])
            if dup is not None:
                value = getattr(self.categories[dup], key)
                raise ConfigFieldError(f"category {key} '{value}' is used twice", ("categories", dup, key))
        return self


# --- jurisdiction.yaml -------------------------------------------------------


class Township(ConfigModel):
    name: Name
    villages: tuple[Name, ...] = ()


class County(ConfigModel):
    name: Name
    kind: Literal["county", "district", "county_level_city"]
    townships: tuple[Township, ...] = Field(min_length=1)


class Jurisdiction(ConfigModel):
    city: Name
    counties: tuple[County, ...] = Field(min_length=1)
    departments: dict[Code, Name] = Field(min_length=1)  # role -> unit-name suffix
    government_role: Code = "government"
    township_government_suffixes: dict[Name, Name] = Field(min_length=1)  # name ending -> suffix
    city_level_projects: tuple[Name, ...] = ()
    city_level_enterprises: tuple[Name, ...] = ()

    def township_government_suffix(self, township: str) -> str | None:
        # Longest ending first, so that a hypothetical "新街道" is not read as "...道".
        for ending in sorted(self.township_government_suffixes, key=len, reverse=True):
            if township.endswith(ending):
                return self.township_government_suffixes[ending]
        return None

    @model_validator(mode="after")
    def _places_consistent(self) -> Jurisdiction:
        dup = _first_duplicate([c.name for c in self.counties])
        if dup is not None:
            raise ConfigFieldError(f"county '{self.counties[dup].name}' is listed twice", ("counties", dup, "name"))
        seen: dict[str, str] = {}
        for ci, county in enumerate(self.counties):
            for ti, township in enumerate(county.townships):
                path = ("counties", ci, "townships", ti)
                if township.name in seen:
                    raise ConfigFieldError(
                        f"township '{township.name}' is listed in both {seen[township.name]} and {county.name};"
                        " township names must be unique across the city",
                        (*path, "name"),
                    )
                seen[township.name] = county.name
                if self.township_government_suffix(township.name) is None:
                    endings = "、".join(self.township_government_suffixes)
                    raise ConfigFieldError(
                        f"township '{township.name}' ends with none of {endings}, so its government's name"
                        " cannot be formed (see township_government_suffixes)",
                        (*path, "name"),
                    )
                vdup = _first_duplicate(list(township.villages))
                if vdup is not None:
                    raise ConfigFieldError(
                        f"village '{township.villages[vdup]}' is listed twice in {township.name}", (*path, "villages", vdup)
                    )
        if self.government_role not in self.departments:
            raise ConfigFieldError(
                f"government_role '{self.government_role}' is not one of the departments", ("government_role",)
            )
        return self


# --- rules.yaml --------------------------------------------------------------


class LetterRules(ConfigModel):
    joint_letter_min_signatories: int = Field(ge=2)


class CityLevelTriggers(ConfigModel):
    min_counties: int = Field(ge=2)
    county_complaint_cues: tuple[Name, ...] = ()
    # Who a complaint is about: a complaint counts only when the nearest party
    # named is a county (these words or a county's name), not a township or
    # village (these words or a township's or village's name).
    county_actor_cues: tuple[Name, ...] = ()
    township_actor_cues: tuple[Name, ...] = ()


class RoutingRules(ConfigModel):
    township_level_categories: tuple[Code, ...] = ()
    city_level: CityLevelTriggers
    triage_unit: Name


class SignatoryTiers(ConfigModel):
    medium: int = Field(ge=1)
    high: int = Field(ge=1)
    urgent_with_visit_intent: int = Field(ge=1)

    @model_validator(mode="after")
    def _tiers_rise(self) -> SignatoryTiers:
        if not self.medium < self.high:
            raise ConfigFieldError(f"the high tier ({self.high}) must be above the medium tier ({self.medium})", ("high",))
        if not self.high < self.urgent_with_visit_intent:
            raise ConfigFieldError(
                f"the urgent tier ({self.urgent_with_visit_intent}) must be above the high tier ({self.high})",
                ("urgent_with_visit_intent",),
            )
        return self


class RepeatedMatterRule(ConfigModel):
    min_letters: int = Field(ge=2)
    high_min_signatories: int = Field(ge=1)


class RiskConditionLevels(ConfigModel):
    """The level each condition raises a letter to; the risk stage evaluates the conditions."""

    threatens_province_or_beijing_visit: RiskLevel
    announces_collective_visit_with_date_or_place: RiskLevel
    announces_collective_visit: RiskLevel
    repeated_matter: RiskLevel
    high_base_risk_category: RiskLevel
    in_sensitive_window: RiskLevel


class RiskCues(ConfigModel):
    province_or_beijing_visit: tuple[Name, ...] = ()
    # A province_or_beijing_visit cue holding one of these words is a visit to
    # Beijing; the others are visits to the province.
    beijing_words: tuple[Name, ...] = ()
    collective_visit: tuple[Name, ...] = ()
    # Places a visit may be announced to, most specific first.
    visit_places: tuple[Name, ...] = ()
    repeated_matter: tuple[Name, ...] = ()


class SensitiveWindow(ConfigModel):
    name: Name
    start: MonthDay
    end: MonthDay
    description: str = ""

    @field_validator("start", "end")
    @classmethod
    def _real_month_day(cls, value: str) -> str:
        month, day = int(value[:2]), int(value[3:])
        try:
            date(2000, month, day)  # a leap year, so that 02-29 is accepted
        except ValueError:
            raise ValueError(f"'{value}' is not a real month-day (MM-DD)") from None
        return value

    def contains(self, day: date) -> bool:
        key = f"{day.month:02d}-{day.day:02d}"  # MM-DD strings sort like dates within a year
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end  # the window runs over the new year


class RiskRules(ConfigModel):
    level_names: dict[RiskLevel, Name]
    signatory_tiers: SignatoryTiers
    repeated_matter: RepeatedMatterRule
    condition_levels: RiskConditionLevels
    cues: RiskCues = RiskCues()
    sensitive_windows: tuple[SensitiveWindow, ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> RiskRules:
        missing = [level for level in RISK_LEVELS if level not in self.level_names]
        if missing:
            raise ConfigFieldError(f"no name for risk level(s): {', '.join(missing)}", ("level_names",))
        dup = _first_duplicate([w.name for w in self.sensitive_windows])
        if dup is not None:
            raise ConfigFieldError(
                f"sensitive window '{self.sensitive_windows[dup].name}' is listed twice", ("sensitive_windows", dup, "name")
            )
        return self


class DeadlineEntry(ConfigModel):
    acknowledge_days: int = Field(ge=1)
    result_days: int = Field(ge=1)

    @model_validator(mode="after")
    def _result_after_acknowledgement(self) -> DeadlineEntry:
        if self.result_days < self.acknowledge_days:
            raise ConfigFieldError("result_days cannot be shorter than acknowledge_days", ("result_days",))
        return self


class ExtensionRule(ConfigModel):
    max_count: int = Field(ge=0)
    max_days: int = Field(ge=0)
    reason_required: bool = True


class DeadlineRules(ConfigModel):
    day_kind: Literal["calendar"]  # the only kind the deadline code implements
    by_risk: dict[RiskLevel, DeadlineEntry]
    extension: ExtensionRule

    @model_validator(mode="after")
    def _every_level_has_deadlines(self) -> DeadlineRules:
        missing = [level for level in RISK_LEVELS if level not in self.by_risk]
        if missing:
            raise ConfigFieldError(f"no deadlines for risk level(s): {', '.join(missing)}", ("by_risk",))
        return self


class ClosureRules(ConfigModel):
    target_rate: float = Field(gt=0, le=1)


class ReviewRules(ConfigModel):
    classification_confidence_min: float = Field(default=0.6, ge=0, le=1)
    ocr_confidence_min: float = Field(default=70, ge=0, le=100)


class MaskRule(ConfigModel):
    keep_first: int = Field(ge=0)
    keep_last: int = Field(ge=0)
    mask_char: str = Field(min_length=1, max_length=1)

    def apply(self, value: str) -> str:
        text = "".join(value.split())
        # Too short to hide anything once the kept ends are shown: hide it all.
        if len(text) <= self.keep_first + self.keep_last:
            return self.mask_char * len(text)
        hidden = len(text) - self.keep_first - self.keep_last
        return text[: self.keep_first] + self.mask_char * hidden + text[len(text) - self.keep_last :]


class PrivacyRules(ConfigModel):
    personal_data_fields: tuple[Name, ...] = ()
    assignment_list_fields: tuple[Name, ...] = ()
    id_number_mask: MaskRule
    phone_mask: MaskRule
