"""Open Contracting Data Standard 1.1: read a release package into contract records, and
write the register as one. Pure: no Flask, no database (civic.contracts.ocds_import does
the writing), so the CLI, the tests and the export view share it.

Validation happens in two layers, and every error names its release (index and ocid):

1. The package against the standard's own JSON Schemas (vendored in schema/, version
   1.1.5, Apache-2.0), made strict: an object may hold only the fields the standard
   declares, plus those of the extensions in `ACCEPTED_EXTENSIONS`. The standard itself
   allows any extra field; Civic refuses them, because an unknown field is data the
   register would silently drop (a misspelt `endDate`, a supplier's details in a field we
   never read).
2. What Civic needs to register a contract: a contract with a supplier, a period and a
   value in pounds (or an allowed currency), end not before start, no negative amounts,
   each ocid once.

Mapping (stated in the README too):
- reference = `civicReference` when given (Civic's own export), else the ocid, or
  `ocid/contract-id` when a release holds several contracts.
- title = contract title, else the award's, else the tender's; service = `civicService`,
  else the tender title, else the contract title; summary = contract description.
- provider = the award's one supplier, found in `parties` by id: name, identifier as
  `scheme-id` (e.g. `GB-COH-01234567`). Its type is private unless the data says
  otherwise explicitly: `details.civicProviderType` (Civic's own export), a `GB-MPR`
  identifier (the FCA Mutuals Public Register: a co-operative or community benefit
  society), or a legal name ending in "Community Interest Company"/"CIC" (a suffix the law
  requires of CICs). Nothing else is guessed from a name.
- values: total = contract value (else the award's); annual = `civicAnnualValue` when
  given, else total for a contract of twelve months or less, else total x 12 / months
  (part months count whole), to the nearest penny, half up.
- dates: the calendar date of period.startDate and period.endDate as written (their own
  offset), both required.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).parent / "schema"
RELEASE_SCHEMA_ID = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
OCDS_VERSION = "1.1"
MAX_REFERENCE = 120  # Contract.reference
MAX_TITLE = 200  # Contract.title, Contract.service, Provider.name
MAX_IDENTIFIER = 100  # Provider.identifier
# Below 10^15 pence (£10 trillion) an amount survives JSON as a number exactly: no real
# council contract is near it, and a figure past it is a typing error worth refusing.
MAX_PENCE = 10**15 - 1
PENCE = 100

_VALUE = {"$ref": "#/definitions/Value"}
_TEXT = {"type": ["string", "null"]}


@dataclass(frozen=True)
class Extension:
    """Fields an extension adds: definition name -> {field: JSON Schema}. `"Organization.
    details"` means the `details` object of an Organization."""

    name: str
    why: str
    fields: Mapping[str, Mapping[str, Any]]


ACCEPTED_EXTENSIONS: tuple[Extension, ...] = (
    Extension(
        "Party scale (OCDS partyDetails_scale extension)",
        "UK notices say whether a supplier is an SME",
        {"Organization.details": {"scale": _TEXT}},
    ),
    Extension(
        "Contracts Finder party and tender details (UK)",
        "Contracts Finder publishes a party's web address, the tender's main CPV code and "
        "whether a tender suits SMEs and VCSEs",
        {
            "Organization.details": {"url": _TEXT},
            "Tender": {
                "classification": {"$ref": "#/definitions/Classification"},
                "suitability": {
                    "type": ["object", "null"],
                    "properties": {
                        "sme": {"type": ["boolean", "null"]},
                        "vcse": {"type": ["boolean", "null"]},
                    },
                },
            },
        },
    ),
    Extension(
        "Delivery addresses (UK notices; OCDS location extension)",
        "UK notices give the region an item is delivered to",
        {
            "Item": {
                "deliveryAddresses": {"type": "array", "items": {"$ref": "#/definitions/Address"}}
            }
        },
    ),
    Extension(
        "Civic register",
        "what Civic's own export adds, so an export imports back as the same register",
        {
            "Organization.details": {"civicProviderType": {"type": "string"}},
            "Contract": {
                "civicReference": {"type": "string"},
                "civicService": {"type": "string"},
                "civicArea": {"type": "string"},
                "civicAnnualValue": _VALUE,
                "civicBreakClause": {"type": "string"},
                "civicEndedOn": {"type": "string", "format": "date"},
                "civicTerms": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["standard", "answer"],
                        "properties": {
                            "standard": {"type": "string"},
                            "answer": {"type": "string"},
                            "note": {"type": "string"},
                        },
                    },
                },
            },
        },
    ),
)


class OcdsError(Exception):
    """The file cannot be read as a release package at all (not JSON, not an object)."""


@dataclass(frozen=True)
class ProviderRecord:
    name: str
    identifier: str
    kind: str  # a civic.contracts.models.ProviderType value
    kind_source: str  # why that type: "default", "civicProviderType", "GB-MPR", "CIC"


@dataclass(frozen=True)
class ContractRecord:
    """One contract as the register will hold it (money in pence)."""

    release_index: int
    ocid: str
    release_id: str
    reference: str
    title: str
    service: str
    summary: str
    area_slug: str | None
    provider: ProviderRecord
    currency: str
    total_value: int
    annual_value: int
    start_date: date
    end_date: date
    break_clause: str = ""
    ended_on: date | None = None
    terms: tuple[tuple[str, str, str], ...] = ()  # (standard, answer, note)

    def where(self) -> str:
        return release_label(self.release_index, self.ocid)


@dataclass
class ReadPackage:
    """What a file held: its SHA-256, the contracts it maps to, and every error found."""

    sha256: str
    uri: str = ""
    records: list[ContractRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def release_label(index: int, ocid: object) -> str:
    """How errors name a release: 1-based, as people count, with its ocid when it has one."""
    shown = ocid if isinstance(ocid, str) and ocid else "no ocid"
    return f"release {index + 1} ({shown})"


# ---------------------------------------------------------------------------------------
# schemas


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def _strict(node: Any) -> None:
    """Close every object schema that lists its properties: nothing undeclared may pass."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)


@cache
def strict_release_schema() -> dict[str, Any]:
    """The OCDS 1.1 release schema with the accepted extensions' fields, closed."""
    schema = copy.deepcopy(_load("release-schema.json"))
    definitions = schema["definitions"]
    for extension in ACCEPTED_EXTENSIONS:
        for where, fields in extension.fields.items():
            name, _, child = where.partition(".")
            target = definitions[name]
            if child:
                target = target["properties"][child]
            target.setdefault("properties", {}).update(copy.deepcopy(dict(fields)))
    _strict(schema)
    return schema


@cache
def _validator(strict: bool) -> jsonschema.Draft4Validator:
    """The package schema, with releases checked against the strict release schema (or,
    strict False, against the standard's schemas as published: for testing the export)."""
    release = strict_release_schema() if strict else _load("release-schema.json")
    package = _load("release-package-schema.json")
    if strict:
        _strict(package)
    resource = Resource.from_contents(release, default_specification=DRAFT4)
    registry = Registry().with_resource(RELEASE_SCHEMA_ID, resource)
    return jsonschema.Draft4Validator(package, registry=registry)


def schema_errors(package: Any, *, strict: bool = True) -> list[jsonschema.ValidationError]:
    """Every schema error in `package`, in document order."""
    errors = _validator(strict).iter_errors(package)
    return sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])


def _where(path: Iterable[Any]) -> str:
    return "/".join(str(p) for p in path)


def _describe(error: jsonschema.ValidationError) -> str:
    """A schema error in words a council officer can act on, after the field's path
    (nothing before the message when the error is about the release or package itself)."""
    text = _describe_at(error)
    return text[2:] if text.startswith(": ") else text


def _describe_at(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    in_release = path[:1] == ["releases"] and len(path) > 1
    at = _where(path[2:] if in_release else path)
    if error.validator == "additionalProperties":
        extra = sorted(
            set(error.instance) - set(error.schema.get("properties", {}))
            if isinstance(error.instance, dict)
            else []
        )
        patterns = error.schema.get("patternProperties", {})
        extra = [k for k in extra if not any(re.search(p, k) for p in patterns)]
        names = ", ".join(repr(k) for k in extra)
        return (
            f"{at}: unknown field {names}: not in OCDS 1.1 nor an extension Civic accepts"
            if len(extra) == 1
            else f"{at}: unknown fields {names}: not in OCDS 1.1 nor an extension Civic accepts"
        )
    if error.validator == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        name = missing.group(1) if missing else error.message
        return f"{at}: missing {name}"
    if error.validator == "enum" and path and path[-1] == "currency":
        return f"{at}: {error.instance!r} is not an ISO 4217 currency code"
    if error.validator == "enum":
        allowed = error.validator_value
        if isinstance(allowed, list) and len(allowed) <= 12:
            listed = ", ".join(repr(a) for a in allowed if a is not None)
            return f"{at}: {error.instance!r} is not one of {listed}"
        return f"{at}: {error.instance!r} is not an allowed value"
    if error.validator == "type":
        wanted = error.validator_value
        kinds = [wanted] if isinstance(wanted, str) else [k for k in wanted if k != "null"]
        words = {"number": "a number", "string": "text", "array": "a list", "object": "an object"}
        wanted_words = " or ".join(words.get(k, k) for k in kinds)
        return f"{at}: must be {wanted_words}, not {_shown(error.instance)}"
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{at}: {message}"


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------------------------------
# reading


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse(raw: bytes) -> Any:
    """The JSON, with every decimal read exactly (Decimal, never a float)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OcdsError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise OcdsError(f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        raise OcdsError(f"not JSON: {exc}") from None


def read_package(
    raw: bytes,
    *,
    area_slug: str | None = None,
    currencies: Collection[str] = ("GBP",),
    provider_types: Collection[str] | None = None,
) -> ReadPackage:
    """Validate `raw` (a release package's bytes) and map each contract to a record.

    Never raises for bad content: `errors` lists each problem, one line each, naming the
    release. A caller imports `records` only when `errors` is empty.
    """
    result = ReadPackage(sha256=hashlib.sha256(raw).hexdigest())
    try:
        package = parse(raw)
    except OcdsError as exc:
        result.errors.append(str(exc))
        return result
    if not isinstance(package, dict):
        result.errors.append("the file is JSON but not a release package (an object)")
        return result
    result.uri = package.get("uri") if isinstance(package.get("uri"), str) else ""
    releases = package.get("releases") if isinstance(package.get("releases"), list) else []
    bad: set[int] = set()
    found: list[tuple[int, str]] = []  # (release index, -1 for the package; message)
    for error in schema_errors(package):
        path = list(error.absolute_path)
        if path[:1] == ["releases"] and len(path) > 1 and isinstance(path[1], int):
            index = path[1]
            release = releases[index] if index < len(releases) else {}
            ocid = release.get("ocid") if isinstance(release, dict) else None
            bad.add(index)
            found.append((index, f"{release_label(index, ocid)}: {_describe(error)}"))
        else:
            found.append((-1, f"package: {_describe(error)}"))
    if package.get("version") not in (None, OCDS_VERSION) and isinstance(
        package.get("version"), str
    ):
        found.append((-1, f"package: version {package['version']!r}: Civic reads OCDS 1.1"))
    seen: dict[str, int] = {}
    for index, release in enumerate(releases):
        if index in bad or not isinstance(release, dict):
            continue
        ocid = release["ocid"]
        if ocid in seen:
            message = (
                f"the same ocid as release {seen[ocid] + 1}: give each contracting process once"
            )
            found.append((index, f"{release_label(index, ocid)}: {message}"))
            continue
        seen[ocid] = index
        mapper = _Release(index, release, area_slug, currencies, provider_types)
        result.records.extend(mapper.records())
        found.extend((index, message) for message in mapper.errors)
    references: dict[str, ContractRecord] = {}
    for record in result.records:
        if record.reference in references:
            message = f"reference {record.reference!r} is also made by "
            message += references[record.reference].where()
            found.append((record.release_index, f"{record.where()}: {message}"))
        references[record.reference] = record
    # in file order, the package's own first; within a release, as found (stable sort)
    result.errors = [message for _, message in sorted(found, key=lambda pair: pair[0])]
    return result


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def annual_from_total(total: int, start: date, end: date) -> int:
    """The value per year when only the total is known: see the module docstring."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day > start.day:
        months += 1
    if months <= 12:
        return total
    return (total * 12 + months // 2) // months


class _Release:
    """Maps one schema-valid release, collecting errors instead of stopping at the first."""

    def __init__(
        self,
        index: int,
        release: dict[str, Any],
        area_slug: str | None,
        currencies: Collection[str],
        provider_types: Collection[str] | None,
    ) -> None:
        self.index = index
        self.release = release
        self.ocid: str = release["ocid"]
        self.area_slug = area_slug
        self.currencies = currencies
        self.provider_types = provider_types
        self.errors: list[str] = []
        self.parties = {
            p["id"]: p for p in release.get("parties") or [] if isinstance(p.get("id"), str)
        }
        self.awards = {a["id"]: a for a in release.get("awards") or []}

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{release_label(self.index, self.ocid)}: {where}: {message}")

    def records(self) -> list[ContractRecord]:
        contracts = self.release.get("contracts") or []
        if not contracts:
            self.fail(
                "contracts",
                "missing: Civic registers signed contracts, so each release needs at least one",
            )
            return []
        made = []
        for n, contract in enumerate(contracts):
            record = self._contract(n, contract, several=len(contracts) > 1)
            if record is not None:
                made.append(record)
        return made

    def _reference(self, contract: dict[str, Any], several: bool) -> str:
        if given := _text(contract.get("civicReference")):
            return given
        return f"{self.ocid}/{contract['id']}" if several else self.ocid

    def _contract(
        self, n: int, contract: dict[str, Any], *, several: bool
    ) -> ContractRecord | None:
        at = f"contracts/{n}"
        before = len(self.errors)
        if contract.get("status") == "cancelled":
            self.fail(at, "status is cancelled: a contract that was never signed is not registered")
        award = self.awards.get(contract["awardID"])
        if award is None:
            self.fail(at, f"awardID {contract['awardID']!r} matches no award in this release")
        provider = self._supplier(at, award) if award is not None else None
        tender = self.release.get("tender") or {}
        title = (
            _text(contract.get("title"))
            or _text((award or {}).get("title"))
            or _text(tender.get("title"))
        )
        if not title:
            self.fail(at, "missing title (none on the contract, its award or the tender)")
        service = _text(contract.get("civicService")) or _text(tender.get("title")) or title
        for name, value in (("title", title), ("service", service)):
            if len(value) > MAX_TITLE:
                self.fail(at, f"{name} is longer than {MAX_TITLE} characters")
        reference = self._reference(contract, several)
        if len(reference) > MAX_REFERENCE:
            self.fail(at, f"the reference {reference!r} is longer than {MAX_REFERENCE} characters")
        start, end = self._period(at, contract.get("period"))
        value_at, value = f"{at}/value", contract.get("value")
        if not value and award is not None and award.get("value"):
            value_at, value = f"awards/{list(self.awards).index(award['id'])}/value", award["value"]
        total, currency = self._money(value_at, value, required=True)
        annual = None
        if contract.get("civicAnnualValue") is not None:
            annual, annual_currency = self._money(
                f"{at}/civicAnnualValue", contract["civicAnnualValue"], required=True
            )
            if annual_currency and currency and annual_currency != currency:
                self.fail(f"{at}/civicAnnualValue", "a different currency from the total")
        area = _text(contract.get("civicArea")) or self.area_slug
        if not area:
            self.fail(at, "no area: give --area, or civicArea on the contract")
        ended_on = None
        if contract.get("civicEndedOn") is not None:
            ended_on = _date(contract["civicEndedOn"])
            if ended_on is None:
                self.fail(f"{at}/civicEndedOn", "not a date (YYYY-MM-DD)")
        terms = tuple(
            (t["standard"], t["answer"], t.get("note") or "")
            for t in contract.get("civicTerms") or []
        )
        if len({t[0] for t in terms}) != len(terms):
            self.fail(f"{at}/civicTerms", "a standard is given twice")
        if len(self.errors) > before or None in (provider, start, end, total, currency):
            return None
        assert start is not None and end is not None and total is not None
        assert provider is not None and currency is not None
        return ContractRecord(
            release_index=self.index,
            ocid=self.ocid,
            release_id=self.release["id"],
            reference=reference,
            title=title,
            service=service,
            summary=_text(contract.get("description")),
            area_slug=area,
            provider=provider,
            currency=currency,
            total_value=total,
            annual_value=annual if annual is not None else annual_from_total(total, start, end),
            start_date=start,
            end_date=end,
            break_clause=_text(contract.get("civicBreakClause")),
            ended_on=ended_on if contract.get("status") == "terminated" else None,
            terms=terms,
        )

    def _period(self, at: str, period: Any) -> tuple[date | None, date | None]:
        if not period:
            self.fail(at, "missing period (startDate and endDate)")
            return None, None
        dates = []
        for name in ("startDate", "endDate"):
            raw = period.get(name)
            if raw is None:
                self.fail(f"{at}/period", f"missing {name}")
            elif _date(raw) is None:
                self.fail(f"{at}/period/{name}", f"{_shown(raw)} is not a date-time")
            dates.append(_date(raw))
        start, end = dates
        if start and end and end < start:
            self.fail(
                f"{at}/period", f"ends ({end.isoformat()}) before it starts ({start.isoformat()})"
            )
            return None, None
        return start, end

    def _money(self, at: str, value: Any, *, required: bool) -> tuple[int | None, str | None]:
        if not value:
            if required:
                self.fail(at.rsplit("/", 1)[0], "missing value (amount and currency)")
            return None, None
        amount, currency = value.get("amount"), value.get("currency")
        pence = None
        if amount is None:
            self.fail(at, "missing amount")
        else:
            try:
                exact = Decimal(amount) * PENCE
            except (InvalidOperation, TypeError):  # pragma: no cover (the schema said number)
                exact = None
            if exact is None or not exact.is_finite():
                self.fail(f"{at}/amount", "not a number")
            elif exact < 0:
                self.fail(f"{at}/amount", f"{amount} is negative: a value cannot be below nothing")
            elif exact != exact.to_integral_value():
                self.fail(f"{at}/amount", f"{amount} has fractions of a penny")
            elif exact > MAX_PENCE:
                self.fail(f"{at}/amount", f"{amount} is too large: check the figure")
            else:
                pence = int(exact)
        if currency is None:
            self.fail(at, "missing currency")
        elif currency not in self.currencies:
            allowed = ", ".join(sorted(self.currencies))
            self.fail(
                f"{at}/currency",
                f"{currency} is not accepted (allowed: {allowed}; --currency adds another)",
            )
            currency = None
        return pence, currency

    def _supplier(self, at: str, award: dict[str, Any]) -> ProviderRecord | None:
        suppliers = award.get("suppliers") or []
        if not suppliers:
            self.fail(at, f"award {award['id']!r} names no supplier")
            return None
        if len(suppliers) > 1:
            self.fail(
                at,
                f"award {award['id']!r} names {len(suppliers)} suppliers: Civic "
                "holds one provider per contract (publish one contract per supplier)",
            )
            return None
        ref = suppliers[0]
        party = self.parties.get(ref.get("id")) if ref.get("id") else None
        if party is None:
            self.fail(at, f"supplier {_shown(ref.get('id') or ref.get('name'))} is not in parties")
            return None
        if "supplier" not in (party.get("roles") or []):
            self.fail(at, f"party {party['id']!r} lacks the supplier role")
        name = _text(party.get("name")) or _text(ref.get("name"))
        if not name:
            self.fail(at, f"supplier party {party['id']!r} has no name")
            return None
        if len(name) > MAX_TITLE:
            self.fail(at, f"supplier name is longer than {MAX_TITLE} characters")
        identifier = party.get("identifier") or {}
        scheme, uid = _text(identifier.get("scheme")), _text(identifier.get("id"))
        joined = f"{scheme}-{uid}" if scheme and uid else uid
        if len(joined) > MAX_IDENTIFIER:
            self.fail(at, f"supplier identifier is longer than {MAX_IDENTIFIER} characters")
        kind, source = self._kind(at, party, scheme, _text(identifier.get("legalName")) or name)
        return ProviderRecord(name=name, identifier=joined, kind=kind, kind_source=source)

    def _kind(
        self, at: str, party: dict[str, Any], scheme: str, legal_name: str
    ) -> tuple[str, str]:
        given = ((party.get("details") or {}).get("civicProviderType") or "").strip()
        if given:
            if self.provider_types is not None and given not in self.provider_types:
                listed = ", ".join(sorted(self.provider_types))
                self.fail(
                    f"{at}: supplier details", f"civicProviderType {given!r} is not one of {listed}"
                )
            return given, "civicProviderType"
        if scheme == "GB-MPR":
            return "cooperative", "GB-MPR"
        if re.search(r"(\bCommunity Interest Company|\bC\.?I\.?C\.?)$", legal_name, re.IGNORECASE):
            return "social_enterprise", "CIC"
        return "private", "default"


# ---------------------------------------------------------------------------------------
# writing


@dataclass(frozen=True)
class ExportContract:
    """What the export needs of one register contract (plain data, from the database)."""

    reference: str
    title: str
    service: str
    summary: str
    area_slug: str
    provider_id: int
    provider_name: str
    provider_identifier: str
    provider_type: str
    currency: str
    total_value: int
    annual_value: int
    start_date: date
    end_date: date
    break_clause: str
    terminated: bool
    ended_on: date | None
    version: int
    published: datetime
    terms: tuple[tuple[str, str, str], ...] = ()


_IDENTIFIER = re.compile(r"^([A-Z]{2}-[A-Z0-9]+)-(.+)$")


def _amount(pence: int) -> int | float:
    """Pence as a JSON number of pounds, exact (see MAX_PENCE)."""
    pounds, rest = divmod(pence, PENCE)
    return pounds if rest == 0 else float(Decimal(pence) / PENCE)


def _moment(day: date, end: bool = False) -> str:
    return f"{day.isoformat()}T{'23:59:59' if end else '00:00:00'}Z"


def ocid_for(reference: str, prefix: str) -> tuple[str, str]:
    """(ocid, contract id) of a register contract: an imported one keeps its ocid."""
    if reference.startswith("ocds-"):
        ocid, _, contract_id = reference.partition("/")
        return ocid, contract_id or reference
    return f"{prefix}-{reference}", reference


def build_package(
    contracts: Iterable[ExportContract],
    *,
    prefix: str,
    publisher: str,
    uri: str,
    published: datetime,
) -> dict[str, Any]:
    """The register as an OCDS 1.1 release package: one release per ocid."""
    grouped: dict[str, list[tuple[str, ExportContract]]] = {}
    for contract in contracts:
        ocid, contract_id = ocid_for(contract.reference, prefix)
        grouped.setdefault(ocid, []).append((contract_id, contract))
    buyer = {"id": "buyer", "name": publisher}
    releases = []
    for ocid, members in grouped.items():
        parties: dict[str, dict[str, Any]] = {"buyer": {**buyer, "roles": ["buyer"]}}
        awards, made = [], []
        for contract_id, c in members:
            party_id = f"supplier-{c.provider_id}"
            party: dict[str, Any] = {
                "id": party_id,
                "name": c.provider_name,
                "roles": ["supplier"],
                "details": {"civicProviderType": c.provider_type},
            }
            if c.provider_identifier:
                match = _IDENTIFIER.match(c.provider_identifier)
                party["identifier"] = (
                    {"scheme": match.group(1), "id": match.group(2), "legalName": c.provider_name}
                    if match
                    else {"id": c.provider_identifier, "legalName": c.provider_name}
                )
            parties[party_id] = party
            value = {"amount": _amount(c.total_value), "currency": c.currency}
            award_id = f"{contract_id}-award"
            awards.append(
                {
                    "id": award_id,
                    "status": "active",
                    "suppliers": [{"id": party_id, "name": c.provider_name}],
                    "value": value,
                }
            )
            entry: dict[str, Any] = {
                "id": contract_id,
                "awardID": award_id,
                "title": c.title,
                "description": c.summary,
                "status": "terminated" if c.terminated else "active",
                "period": {
                    "startDate": _moment(c.start_date),
                    "endDate": _moment(c.end_date, end=True),
                },
                "value": value,
                "civicReference": c.reference,
                "civicService": c.service,
                "civicArea": c.area_slug,
                "civicAnnualValue": {"amount": _amount(c.annual_value), "currency": c.currency},
                "civicBreakClause": c.break_clause,
                "civicTerms": [
                    {"standard": s, "answer": a, "note": note} for s, a, note in c.terms
                ],
            }
            if c.terminated and c.ended_on is not None:
                entry["civicEndedOn"] = c.ended_on.isoformat()
            made.append(entry)
        newest = max(c.published for _, c in members)
        releases.append(
            {
                "ocid": ocid,
                "id": f"{ocid}-v{sum(c.version for _, c in members)}",
                "date": newest.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tag": ["contract"],
                "initiationType": "tender",
                "language": "en",
                "parties": list(parties.values()),
                "buyer": buyer,
                "tender": {
                    "id": f"{ocid}-tender",
                    "title": members[0][1].service,
                    "status": "complete",
                },
                "awards": awards,
                "contracts": made,
            }
        )
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publisher": {"name": publisher},
        "releases": releases,
    }


def dumps(package: Mapping[str, Any]) -> str:
    """The package as JSON text (Decimal amounts from a read package written exactly)."""
    return json.dumps(package, indent=1, ensure_ascii=False, default=_exact)


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
