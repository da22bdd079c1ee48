"""The policy: one validated object holding taxonomy, jurisdiction and rules.

``Policy`` checks what no single file can (every category's department is a
known role, every township-level category exists) and offers lookups that
the stages share: category by code, county of a township, unit names. The
lookups only read the data; deciding *which* unit handles a case is routing's
job, not this module's. The section models are re-exported from here so that
``pipeline.config.schema`` is the one place to import the shape from.
"""

from __future__ import annotations

from datetime import date

from pydantic import PrivateAttr, model_validator

from pipeline.config.sections import (
    RISK_LEVELS,
    BaseRisk,
    Category,
    CityLevelTriggers,
    ClosureRules,
    ConfigFieldError,
    ConfigModel,
    County,
    DeadlineEntry,
    DeadlineRules,
    ExtensionRule,
    Jurisdiction,
    LetterRules,
    MaskRule,
    PrivacyRules,
    RepeatedMatterRule,
    ReviewRules,
    RiskConditionLevels,
    RiskCues,
    RiskLevel,
    RiskRules,
    RoutingRules,
    SensitiveWindow,
    SignatoryTiers,
    Taxonomy,
    Township,
    UnitLevel,
)

__all__ = [
    "RISK_LEVELS", "BaseRisk", "Category", "CityLevelTriggers", "ClosureRules", "ConfigFieldError", "ConfigModel",
    "County", "DeadlineEntry", "DeadlineRules", "ExtensionRule", "Jurisdiction", "LetterRules", "MaskRule", "Policy",
    "PrivacyRules", "RepeatedMatterRule", "ReviewRules", "RiskConditionLevels", "RiskCues", "RiskLevel",
    "RiskRules", "RoutingRules", "SensitiveWindow", "SignatoryTiers", "Taxonomy", "Township", "UnitLevel",
]


class Policy(ConfigModel):
    """The whole default-or-replaced configuration of one city.

    ``taxonomy`` comes from taxonomy.yaml, ``jurisdiction`` from
    jurisdiction.yaml, every other field from the same-named section of rules.yaml.
    """

    taxonomy: Taxonomy
    jurisdiction: Jurisdiction
    letters: LetterRules
    routing: RoutingRules
    risk: RiskRules
    deadlines: DeadlineRules
    closure: ClosureRules
    review: ReviewRules = ReviewRules()
    privacy: PrivacyRules

    # Indexes built once: lookups run per letter, the data never changes.
    _category_by_code: dict[str, Category] = PrivateAttr(default_factory=dict)
    _county_by_township: dict[str, str] = PrivateAttr(default_factory=dict)
    _places_by_village: dict[str, list[tuple[str, str]]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Policy:
        roles = self.jurisdiction.departments
        for index, category in enumerate(self.taxonomy.categories):
            for key in ("department", "co_department"):
                role = getattr(category, key)
                if role is not None and role not in roles:
                    raise ConfigFieldError(
                        f"category '{category.code}' names {key} '{role}', which is not a role in"
                        f" jurisdiction.yaml departments (known: {', '.join(sorted(roles))})",
                        ("taxonomy", "categories", index, key),
                    )
        codes = {c.code for c in self.taxonomy.categories}
        for index, code in enumerate(self.routing.township_level_categories):
            if code not in codes:
                raise ConfigFieldError(
                    f"township-level category '{code}' is not a category code in taxonomy.yaml",
                    ("routing", "township_level_categories", index),
                )
        return self

    def model_post_init(self, __context: object) -> None:
        self._category_by_code = {c.code: c for c in self.taxonomy.categories}
        for county in self.jurisdiction.counties:
            for township in county.townships:
                self._county_by_township[township.name] = county.name
                for village in township.villages:
                    self._places_by_village.setdefault(village, []).append((county.name, township.name))

    # --- taxonomy ---------------------------------------------------------

    def category(self, code: str) -> Category:
        """The category with this code; KeyError if there is none."""
        try:
            return self._category_by_code[code]
        except KeyError:
            raise KeyError(f"no category with code '{code}'") from None

    @property
    def category_codes(self) -> tuple[str, ...]:
        """All category codes, in the order of taxonomy.yaml."""
        return tuple(c.code for c in self.taxonomy.categories)

    # --- places -----------------------------------------------------------

    @property
    def county_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.jurisdiction.counties)

    def county_of_township(self, township: str) -> str | None:
        """The county or district a township belongs to, or None if it is not in this city."""
        return self._county_by_township.get(township)

    def township_of_village(self, village: str) -> list[tuple[str, str]]:
        """Every (county, township) holding a village or community of this name.

        A list, because village names such as 石门村 may repeat in a city; the
        caller decides what an ambiguous name means.
        """
        return list(self._places_by_village.get(village, []))

    # --- units ------------------------------------------------------------

    def township_government(self, township: str) -> str:
        """The township's own unit: 柳河镇 -> 柳河镇人民政府, 东湖街道 -> 东湖街道办事处."""
        if township not in self._county_by_township:
            raise KeyError(f"no township '{township}' in {self.jurisdiction.city}")
        suffix = self.jurisdiction.township_government_suffix(township)
        assert suffix is not None  # guaranteed by Jurisdiction's validation
        return township + suffix

    def unit_name(
        self, role: str, level: UnitLevel, county: str | None = None, township: str | None = None
    ) -> str:
        """The name of the unit that fills ``role`` at ``level``.

        city: 明州市 + suffix; county: the county's name + suffix (``county``
        required); township: only the government role exists there, and it is
        the township's government (``township`` required; ``county``, if given,
        must be the township's county).
        """
        suffix = self.jurisdiction.departments.get(role)
        if suffix is None:
            raise KeyError(f"no department role '{role}'")
        if level == "city":
            return self.jurisdiction.city + suffix
        if level == "county":
            if county is None:
                raise ValueError("a county-level unit needs the county")
            if county not in self.county_names:
                raise KeyError(f"no county or district '{county}' in {self.jurisdiction.city}")
            return county + suffix
        if level == "township":
            if township is None:
                raise ValueError("a township-level unit needs the township")
            if role != self.jurisdiction.government_role:
                raise ValueError(f"a township has no '{role}' department; its only unit is its government")
            if county is not None and self.county_of_township(township) not in (None, county):
                raise ValueError(f"township '{township}' is not in {county}")
            return self.township_government(township)
        raise ValueError(f"unknown level '{level}' (expected city, county or township)")

    @property
    def triage_unit(self) -> str:
        """Where a case whose place cannot be determined goes (明州市信访局)."""
        return self.routing.triage_unit

    # --- deadlines, privacy, windows ---------------------------------------

    def deadlines_for(self, risk_level: str) -> tuple[int, int]:
        """(acknowledge_days, result_days) for a risk level, in calendar days."""
        try:
            entry = self.deadlines.by_risk[risk_level]  # type: ignore[index]
        except KeyError:
            raise KeyError(f"no deadlines for risk level '{risk_level}'") from None
        return entry.acknowledge_days, entry.result_days

    def mask_id_number(self, id_number: str) -> str:
        """410105199001011234 -> 410***********1234."""
        return self.privacy.id_number_mask.apply(id_number)

    def mask_phone(self, phone: str) -> str:
        """13812345678 -> 138****5678."""
        return self.privacy.phone_mask.apply(phone)

    def in_sensitive_window(self, day: date) -> list[str]:
        """Names of the sensitive windows that contain this day (empty if none)."""
        return [w.name for w in self.risk.sensitive_windows if w.contains(day)]
