"""The English catalog: ``{code: template}`` for every error code.

A template is :meth:`str.format` text over the error's params (see
:mod:`zjj_medical.messages`). Codes are stable; the words may be improved.
"""

from __future__ import annotations

__all__ = ["MEANINGS", "MEANING_CONTEXT", "MESSAGES", "meaning"]

#: The claim prefix: ``claim C1: `` then the field.
_CLAIM = "claim {claim_id}: "
_CLAIM_FIELD = "claim {claim_id}: {field}: "
#: A policy file's prefix: the file, then the key path.
_POLICY = "{source}: {path}: "
#: What money input is accepted, said in every error about an amount.
_ACCEPTED = "accepted: yuan from 0 to 9999999999.99 with at most 2 decimal places, e.g. '1234.56'"

#: Amounts checked by :func:`zjj_medical.money.parse_money` (``what`` names the amount;
#: ``shown`` is the value as given: text quoted, a number as read).
_MONEY = {
    "money.bool": "{what}: {shown} is a boolean, not an amount (" + _ACCEPTED + ")",
    "money.number": "{what}: {shown} is not a number (" + _ACCEPTED + ")",
    "money.type": "{what}: {shown} ({type}) is not an amount (" + _ACCEPTED + ")",
    "money.finite": "{what}: {shown} is not a finite number (" + _ACCEPTED + ")",
    "money.negative": "{what}: {shown} is negative (" + _ACCEPTED + ")",
    "money.maximum": "{what}: {shown} is above the largest amount, {maximum} (" + _ACCEPTED + ")",
    "money.too_large": "{what}: {shown} is too large to read to the fen (" + _ACCEPTED + ")",
    "money.decimals": "{what}: {shown} has more than 2 decimal places (" + _ACCEPTED + ")",
}

#: Table cells read by :mod:`zjj_medical.contract.rows` (money, dates, flags).
_CELL = {
    "cell.money.bool": "{value!r} is a boolean, not an amount",
    "cell.money.finite": "{value!r} is not a finite number",
    "cell.money.type": "{value!r} ({type}) is not an amount",
    "cell.money.number": "{value!r} is not a number",
    "cell.money.negative": "{text} is negative",
    "cell.money.decimals": "{text} has more than 2 decimal places (amounts are yuan and fen)",
    "cell.money.max": "{text} is above the largest amount supported ({max})",
    "cell.date.time": "{value!r} is not a date (it has a time of day)",
    "cell.date": "{value!r} is not a date (YYYY-MM-DD)",
    "cell.bool": "{value!r} is not true or false",
    "cell.categories": "{value!r} is not a list of categories",
}

#: Declared attributes (a claim's, or a person's) checked against the policy.
_ATTRIBUTES = {
    "attribute.unknown": "{field}: the policy does not know this attribute"
    " (declared: {accepted:or_none})",
    "attribute.bool": "{field}: {value!r} is not accepted (true or false)",
    "attribute.value": "{field}: {value!r} is not accepted ({accepted})",
    "attribute.required": "{field}: required by the policy",
}
#: A person's facts checked against the policy (for a claim, or the person alone).
_FACTS = {
    "county.unknown": "person.county: unknown county {value!r} (accepted: {accepted:or_none})",
    "category.unknown": "person.categories: unknown category {value!r}"
    " (accepted: {accepted:or_none})",
}

#: A policy file's problems, each at a key path of the file.
_POLICY_FILE = {
    # the shapes of values
    "policy.mapping": "expected a mapping, got {shown}",
    "policy.key.unknown": "unknown key (accepted here: {accepted})",
    "policy.key.missing": "missing required key",
    "policy.text": "expected a non-empty text, got {shown}",
    "policy.id": "{shown} is not a valid id (no spaces, dots or brackets)",
    "policy.bool": "expected true or false, got {shown}",
    "policy.platform.missing": "every layer maps to a platform field; missing: {layers}",
    "policy.platform.field": "{value!r} is not a settlement field (accepted: {accepted})",
    "policy.platform.fund": "a layer paying into {field} is a fund: give its fund_pay_type",
    "policy.platform.hospital": "hosp_part_amt is borne by the hospital, not a fund: no"
    " fund_pay_type",
    "policy.catalogue.classes": "expected a non-empty mapping of catalogue classes",
    "policy.catalogue.excluded_ratio": "a class outside the catalogue has no self-pay ratio"
    " (it is wholly self-paid)",
    "policy.catalogue.aliases": "expected a list of texts",
    "policy.catalogue.shadow": "{name!r} already names class {other}",
    "policy.date": "{shown} is not a date (YYYY-MM-DD)",
    "policy.number": "{shown} is not a number",
    "policy.money.negative": "{value} is negative (money must be ≥ 0)",
    "policy.money.large": "{value} is too large for an amount",
    "policy.money.decimals": "{value} has more than 2 decimal places (money is in yuan and fen)",
    "policy.ratio.range": "{value} is not in [0, 1]",
    "policy.ratio.decimals": "{value} has more than 6 decimal places",
    "policy.count": "{value} is not a whole count from 0 to 1000000",
    "policy.ids.list": "expected a list of {what} ids, got {shown}",
    "policy.ids.unknown": "unknown {what} {shown} (declared: {declared:or_none})",
    "policy.ids.twice": "{shown} is listed twice",
    "policy.until.order": "{until} is not after from {start}",
    # conditions
    "policy.condition.mapping": "expected a non-empty mapping of conditions, got {shown}",
    "policy.condition.any": "expected a non-empty list of conditions",
    "policy.fact.value.unknown": "unknown {what} {shown} (declared: {declared:or_none})",
    "policy.fact.attribute.value": "{shown} is not a value of attribute {attribute!r}",
    "policy.fact.unknown": "unknown fact {fact!r} (known: {known}, any, not)",
    # parameters
    "policy.unit": "{unit!r} should be {expected!r} here",
    "policy.by": "cannot key a table by {shown}",
    "policy.values.mapping": "expected a mapping of start date → value",
    "policy.values.order": "start dates must be in increasing order",
    "policy.modifiers.list": "expected a list",
    "policy.assumed.reason": "an assumed value needs a reason",
    "policy.assumed_keys.assumed": "assumed_keys goes with assumed: true",
    "policy.assumed_keys.by": "assumed_keys needs a table (by)",
    "policy.table": "expected a table keyed by {by}",
    "policy.table.key.twice": "{key!r} names {id!r}, which the table already gives",
    "policy.reason.assumed": "a reason goes with assumed: true",
    "policy.alias.shadow": (
        "{shown!r} would name both {first!r} and {second!r} of {what} (an id, name or alias "
        "may name one declaration only)"
    ),
    "policy.table.key": "unknown {by} {key!r} (declared: {declared:or_none})",
    "policy.bands.list": "expected a non-empty list of bands",
    "policy.bands.after_open": "a band follows one with no upper bound (upto: null)",
    "policy.bands.overlap": "band starts at {lower}, overlapping the band before (ends at {previous})",
    "policy.bands.order": "{upper} is not above the band's start {lower} (bands out of order)",
    "policy.modifier.op": "a modifier needs exactly one of add, multiply, set",
    "policy.modifier.set_bands": "set on bands is not supported; add or multiply",
    "policy.modifier.negative": "{value} is negative",
    # declarations
    "policy.declarations": "expected a mapping of id → declaration",
    "policy.aliases": "expected a list of names",
    "policy.attribute.builtin": "{attribute!r} is a built-in fact and cannot be redeclared",
    "policy.attribute.keyword": "{attribute!r} is a condition keyword and cannot name an attribute",
    "policy.attribute.type": "{shown} is not bool or enum",
    "policy.attribute.values": "an enum attribute needs a list of values",
    "policy.attribute.default": "{shown} is not a value of {attribute!r}",
    # the policy file as a whole
    "policy.format": "{shown} is not {format!r}",
    "policy.facility.tier": "unknown tier {shown} (declared: {declared:or_none})",
    "policy.facility.county": "unknown county {shown}",
    "policy.tiers.none": "declare at least one tier",
    "policy.claim_kind.tiers": "a claim kind needs at least one tier",
    "policy.attribute.clash": "also declared as a person attribute",
    "policy.layers.list": "expected a non-empty list of layers",
    "policy.targets.mapping": "expected a mapping of target id → parameter",
    "policy.tier_table.missing": "no value for tier {tiers}, where {kinds} claims can be settled"
    " (add it, or restrict the layer with when: {{tier: [...]}})",
    "policy.shared_caps.list": "expected a list",
    "policy.per": "{shown} is not claim or year",
    "policy.subsidies.list": "expected a list of subsidies",
    "policy.chronic_care.conditions": "declare at least one condition",
    "policy.float": "{value!r} is a float; write numbers as text or integers so they stay exact",
    "policy.value.type": "unsupported value {value!r}",
    "policy.key.duplicate": "duplicate key (line {line})",
    "policy.key.text": "a key that is a mapping or a sequence (line {line}); keys are texts",
    "policy.yaml.node": "unsupported YAML node",
    # layers
    "policy.layer.twice": "layer {layer!r} is declared twice",
    "policy.layer.type": "{shown} is not {types}",
    "policy.layer.kinds": "a layer pays at least one claim kind",
    "policy.layer.of": "{shown} is not in_scope or total",
    "policy.layer.key": "a {type} layer has no {key}",
    "policy.layer.key.missing": "missing required key for a {type} layer",
    "policy.layer.ratio_or_bands": "a schedule layer needs exactly one of ratio, bands",
    "policy.layer.measured": "{shown} is not above_deductible or absolute",
    "policy.layer.repeat.year": "only a per-claim deductible can change for later claims",
    "policy.layer.ceiling.year": "an annual deductible has no yearly ceiling",
    "policy.caps.list": "expected a list of caps",
    "policy.repeat.count": "{shown} is not same_tier or any_tier",
    "policy.repeat.op": "needs exactly one of multiply, set, step",
    "policy.repeat.floor": "floor goes with step",
    "policy.repeat.list": "a list of repeat rules needs at least one rule",
    "policy.warn.ratio_capped": (
        "{ratio} + {add} is above 1 (value of {value}) and is capped at 1 when the modifier applies"
    ),
    "policy.warn.bands_gap": (
        "the bands are measured above the deductible and the first starts {lower} above it "
        "(value of {value}): nothing is paid on the first {lower} above the deductible; "
        "write measured: absolute if the limits are absolute amounts"
    ),
    "policy.warn.bands_below_deductible": (
        "the bands are measured on the absolute amount and start at {lower}, below the "
        "deductible {deductible} (value of {value}): nothing below the deductible is paid"
    ),
    "policy.bands.absolute_from": (
        "the first band starts at {lower}, the deductible {deductible}, but the bands are "
        "measured above the deductible (they would start at {deductible} + {lower}); write "
        "measured: absolute, or start the bands at 0"
    ),
    # the parameter file of the synthetic population
    "population.number": "{value!r} is not a number ≥ 0",
    "population.value": "expected a number or a non-empty table of numbers",
    "population.format": "{value!r} is not {format!r}",
    "population.parameters": "expected a non-empty mapping of parameters",
}

#: A sweep file's problems, each at a key path of the file.
_SWEEP_FILE = {
    "sweep.mapping": "expected a mapping with format, name and scenarios or grid",
    "sweep.key.unknown": "unknown key (accepted here: {accepted})",
    "sweep.key.missing": "missing required key",
    "sweep.format": "{value!r} is not {format!r}",
    "sweep.name": "expected a non-empty text",
    "sweep.scenarios": "expected a list of reforms (a file name, or a mapping with name and"
    " changes)",
    "sweep.grid": "expected a mapping of key path → non-empty list of values",
    "sweep.empty": "the sweep names no scenario (give scenarios or grid)",
}

#: A reform file's problems, each at a key path of the file.
_REFORM_FILE = {
    "reform.mapping": "expected a mapping with format, name and changes",
    "reform.key.unknown": "unknown key (accepted here: {accepted})",
    "reform.key.missing": "missing required key",
    "reform.format": "{value!r} is not {format!r}",
    "reform.name": "expected a non-empty text",
    "reform.changes": "expected a non-empty mapping of key path → value",
    "reform.changes.path": "not a key path (keys joined by dots, [id] or [n])",
}
#: A reform's change that does not fit the policy, at the change's key path.
_REFORM_CHANGE = {
    "reform.set.policy_not_list": "the policy is not a list; [{segment}] cannot select in it",
    "reform.set.not_list": "{where} is not a list; [{segment}] cannot select in it",
    "reform.set.index": "{at}: {where} has {count} elements",
    "reform.set.id": "no element with id {segment!r} in {where} (ids: {ids})",
    "reform.set.not_mapping": "{where} is not a mapping; .{segment} cannot be set in it",
    "reform.set.key": "unknown key {segment!r} (keys here: {keys})",
    "reform.set.date": "{day!r} is not a date (YYYY-MM-DD)",
    "reform.set.not_in_force": "no value is in force on {day} to start the new entry from",
}

MESSAGES: dict[str, str] = {
    # -- errors built from a bare message --------------------------------------------------
    "error": "{message}",
    "claim.invalid": "{message}",
    "policy.invalid": "{message}",
    "policy.not_in_force": "{message}",
    "ledger.mismatch": "{message}",
    "claim.duplicate": "{message}",
    "claim.line.type": _CLAIM + "{where}: {value!r} is not a fee line",
    "claim.line.invalid": _CLAIM + "{where}: {detail}",
    "claim.line.class": _CLAIM
    + "{where}: unknown catalogue class {value!r} (accepted: {accepted})",
    "claim.line.no_catalogue": _CLAIM + "lines: the policy {policy_id} states no catalogue rules"
    " to split fee lines by",
    "claim.line.ratio": _CLAIM + "{where}: the policy takes no self-pay ratio from a line",
    "claim.line.ratio_missing": _CLAIM + "{where}: the self-pay ratio of class {cls} is not in"
    " force on {date}",
    "claim.lines.total": _CLAIM + "total: {total} is not the sum of the fee lines, {lines}",
    "claim.lines.in_scope": _CLAIM + "in_scope: {in_scope} is not the in-scope part of the fee"
    " lines, {lines}",
    "claim.date.order": _CLAIM + "date: {date} is before claim {before} ({before_date}) given"
    " before it; a document's claims come in the order of their dates",
    "platform.request": "request: {path}: {detail}",
    "platform.request.object": "request: expected a JSON object",
    "line.quantity": "{value!r} is not a quantity (more than 0, at most 6 decimals)",
    "line.share": "{value!r} is not a ratio in [0, 1] with at most 8 decimals",
    "line.amount": "amount {amount} is not quantity × price = {quantity} × {price} = {computed}",
    "line.invalid": "{detail}",
    "claim.line.quantity": _CLAIM + "{where}: {value!r} is not a quantity (more than 0, at most"
    " 6 decimals)",
    "claim.line.share": _CLAIM + "{where}: {value!r} is not a ratio in [0, 1] with at most 8"
    " decimals",
    "claim.line.amount": _CLAIM + "{where}: amount {amount} is not quantity × price ="
    " {quantity} × {price} = {computed}",
    "claim.duplicate.ledger": _CLAIM + "id: already settled in this person-year's ledger",
    "claim.policy.from": _CLAIM
    + "date: policy {policy_id} is in force from {start}, not on {date}",
    "claim.policy.until": _CLAIM
    + "date: policy {policy_id} is in force from {start} until {until}, not on {date}",
    "claim.ledger.other": _CLAIM + "ledger: the ledger is for person {ledger_person}, year"
    " {ledger_year}; the claim is person {person_id}, year {year}",
    "store.error": "{message}",
    "claim.unknown": "{message}",
    **_MONEY,
    "money.fen": "{value} is not a whole number of fen",
    **{"claim." + code: _CLAIM + text for code, text in _MONEY.items()},
    # -- claims and persons as given ------------------------------------------------------
    "claim.id.text": "claim id {value!r} is not a non-empty text",
    "claim.date.format": _CLAIM + "date: {value!r} is not a date (YYYY-MM-DD)",
    "claim.date.type": _CLAIM + "date: {value!r} is not a date",
    "claim.in_scope.above_total": _CLAIM
    + "in_scope {in_scope} is more than total {total} (accepted: in_scope ≤ total)",
    "claim.accident.bool": _CLAIM + "accident: {value!r} is not true or false",
    "claim.facility.type": _CLAIM + "facility: {value!r} is not a Facility",
    "person.id.text": "person.id: {value!r} is not a non-empty text",
    "facility.id.text": "facility.id: {value!r} is not a non-empty text (nor null)",
    "claim.facility.id.text": _CLAIM + "facility.id: {value!r} is not a non-empty text (nor null)",
    "claim.text.surrogate": _CLAIM_FIELD + "not valid Unicode text (it holds a lone surrogate)",
    "person.text.surrogate": "{where}: not valid Unicode text (it holds a lone surrogate)",
    "person.poor.bool": "person {person_id}: poor: {value!r} is not true or false",
    # -- the JSON contract's documents --------------------------------------------------------
    "document.object": "document: expected a JSON object",
    "document.field.missing": "document: {field}: missing required field",
    "document.field.unknown": "{field}: unknown top-level field (accepted: {accepted})",
    "document.claims.list": "claims: expected a list",
    "document.size": "{where}: longer than {limit} bytes, the largest document read",
    "document.encoding": "{where}: byte {offset}: not UTF-8 (bytes {bytes}); documents are UTF-8 text",
    "document.depth": "{where}: line {line}: arrays and objects nested deeper than {limit}"
    " levels (accepted: at most {limit})",
    "document.key.twice": "{at}: key {key!r} is given twice in one object",
    "document.key.surrogate": "{at}: the key is not valid Unicode text (a lone surrogate,"
    " shown escaped)",
    "document.text.surrogate": "{at}: '{value}' is not valid Unicode text (a lone surrogate,"
    " shown escaped)",
    "person.object": "{where}: expected an object",
    "person.field.missing": "{where}: {field}: missing required field",
    "person.categories.list": "{where}: expected a list",
    "person.county.text": "{where}: {value!r} is not a text",
    "claim.object": "{where}: expected an object",
    "claim.id.document": "{where}: {value!r} is not a non-empty text",
    "claim.field.missing": _CLAIM_FIELD + "missing required field",
    "claim.facility.object": _CLAIM + "facility: expected an object",
    "claim.facility.field.unknown": _CLAIM_FIELD + "unknown field (accepted: {accepted})",
    "claim.date.year_span": _CLAIM
    + "date: a document holds one person-year; claims span {years:py}",
    "claim.ledger.person": _CLAIM
    + "ledger: the ledger is for person {ledger_person}, not {person_id}",
    "ledger.person": "ledger: the ledger is for person {ledger_person}, not {person_id}",
    # -- a ledger document read back (Ledger.from_dict) --------------------------------------
    "ledger.keys": "ledger: keys {keys:py}; expected claim_ids, layers, person_id, year",
    "ledger.year": "ledger: year {value!r} is not an integer",
    "ledger.layer.keys": "ledger: layers.{layer}: keys {keys:py}",
    "ledger.layer.count": "ledger: layers.{layer}.claims: negative count",
    "ledger.layer.count.type": "ledger: layers.{layer}.claims.{key}: {value!r} is not a whole"
    " number of claims",
    "ledger.claim_ids": "ledger: claim_ids is not a list of texts",
    "ledger.malformed": "ledger: {detail}",
    "ledger.signature.missing": "ledger.signature: missing; this deployment signs the ledgers"
    " it hands out ({variable} is set) and takes back only a ledger it signed",
    "ledger.signature.invalid": "ledger.signature: not the signature of this ledger's content;"
    " it was changed after it was signed, or signed with another key",
    **{"ledger." + code: "ledger: " + text for code, text in _MONEY.items()},
    # -- claims and persons against the policy ----------------------------------------------
    "claim.kind.unknown": _CLAIM
    + "kind: unknown claim kind {value!r} (accepted: {accepted:or_none})",
    "claim.facility.level.unknown": _CLAIM
    + "facility.level: unknown facility level {value!r} (accepted: {accepted:or_none})",
    "claim.facility.level.conflict": _CLAIM
    + "facility.level: {value!r} but facility {facility} is {tier}",
    "claim.facility.level.missing": _CLAIM
    + "facility.level: missing (give the facility's level, or the id of a facility the policy"
    " declares)",
    "claim.facility.level.kind": _CLAIM
    + "facility.level: a {tier} facility does not take {kind} claims (accepted: {accepted})",
    "claim.facility.county.unknown": _CLAIM
    + "facility.county: unknown county {value!r} (accepted: {accepted:or_none})",
    "claim.facility.county.required": _CLAIM
    + "facility.county: required for a {tier} facility (it decides the in-county rule)",
    **{"claim.person." + code: _CLAIM + text for code, text in _FACTS.items()},
    **{"person." + code: "person {person_id}: " + text for code, text in _FACTS.items()},
    **{"claim." + code: _CLAIM + text for code, text in _ATTRIBUTES.items()},
    **{"claim.person_" + code: _CLAIM + text for code, text in _ATTRIBUTES.items()},
    **{"person." + code: "person {person_id}: " + text for code, text in _ATTRIBUTES.items()},
    # -- the ledger store -------------------------------------------------------------------
    "store.claim.unknown": "claim {claim_id}: not in the ledger store",
    "store.claim.other_content": _CLAIM
    + "id: already settled with other content ({date}); reverse it first to settle it again",
    "store.claim.taken": _CLAIM
    + "id: already settled with other content; reverse it first to settle it again",
    "store.synchronous": "synchronous: {value!r} is not one of {accepted}",
    "store.open": "{db}: cannot open the ledger store: {detail}",
    "store.foreign": "{db}: not a zjj_medical ledger store (application_id {application_id},"
    " tables: {tables}); give a new file or a store written by zjj-medical ledger",
    "store.schema.damaged": "{db}: the schema version table is damaged",
    "store.schema.newer": "{db}: schema version {version} is newer than this zjj_medical"
    " understands ({known}); upgrade zjj_medical",
    "store.not_sqlite": "{db}: not a zjj_medical ledger store (SQLite says: {detail})",
    "store.locked": "{db}: the ledger store stayed locked by another writer: {detail}",
    "store.sqlite": "{db}: {detail}",
    "store.postgres": "{db}: {detail}",
    "store.postgres.missing": "a postgresql:// ledger store needs psycopg: pip install"
    " 'zjj_medical[postgres]'",
    "store.postgres.schema": "{db}: the connection's search_path names no existing schema;"
    " create the schema or give one that exists",
    "store.postgres.foreign": "{db}: schema {schema} holds tables that are not a zjj_medical"
    " ledger store ({tables}); give an empty database or schema, or a store written by"
    " zjj-medical ledger",
    "store.transaction.open": "a ledger store transaction is already open on this connection",
    "store.transaction.needed": "{what}: writes of {person_id} {year} need"
    " store.transaction({person_id!r}, {year}); none is open",
    "store.transaction.other": "{what}: writes of {person_id} {year} need"
    " store.transaction({person_id!r}, {year}); the open transaction is of {open_person_id}"
    " {open_year}",
    "store.url.host": "sqlite://{host}/…: a SQLite URL names no host; write"
    " sqlite:///abs/path.db or sqlite:relative.db",
    "store.url.empty": "the ledger store needs a file: an empty name would give a temporary"
    " database that is lost when it is closed",
    "store.url.scheme": "{scheme}://…: no ledger store backend for scheme {scheme!r} in this"
    " installation; supported: {supported}",
    "store.claim.stored": "claim {claim_id}: id: already stored in the ledger store",
    "store.settlement.damaged": "{db}: the stored settlement of claim {claim_id} is damaged:"
    " {detail}",
    "store.ledger.damaged": "{db}: the ledger of {person_id} {year} is damaged: {detail}",
    "store.claim.not_stored": "{what}: claim {claim_id} is not stored",
    "store.reversal.adjustments": "add_reversal: claim {claim_id}: {resettled} re-settled"
    " records for {adjustments} adjustments",
    "store.damaged": "{db}: the ledger store is damaged and is not served: {detail}; restore"
    " it from a backup (zjj-medical ledger verify lists what is wrong)",
    "store.read_only": "{db}: the ledger store is read-only (the file or its directory"
    " cannot be written); it can be read, not settled into",
    "store.read_only.wal": "{db}: the ledger store is read-only and its write-ahead log"
    " {wal} holds changes not yet in the file; open it once with write access",
    "store.read_only.create": "{db}: cannot create a ledger store here: the directory"
    " cannot be written",
    "store.read_only.upgrade": "{db}: the ledger store has schema version {version} and is"
    " read-only, so it cannot be upgraded to version {known}; open it once with write access",
    "store.memory": "{db}: a ledger store that would not persist (nothing is kept when the"
    " command ends); give a file path or sqlite:///abs/path.db",
    "store.verify.seq": "posting {seq}: out of sequence (expected {expected})",
    "store.verify.hash": "posting {seq} ({kind} {claim_id}): hash {stored} does not match"
    " its content and the previous hash ({computed})",
    "store.verify.content": "posting {seq}: its content is not a posting: {detail}",
    "store.verify.columns": "posting {seq}: its columns do not say what its content says",
    "store.verify.head": "the journal's head is recorded as posting {head_seq} ({head_hash});"
    " the last posting is {last_seq} ({last_hash})",
    "store.verify.kind": "posting {seq}: unknown kind {kind!r}",
    "store.verify.row": "a row of the current tables cannot be read: {detail}",
    "store.verify.claim": "posting {seq} ({kind} {claim_id}): {detail}",
    "store.verify.policy": "posting {seq} ({claim_id}): settled under policy {policy_id}"
    " version {version}, which was not given (--policy)",
    "store.verify.settlement": "posting {seq} ({kind} {claim_id}): re-settling gives"
    " {field} {computed}, the posting says {stored}",
    "store.verify.current": "{person_id} {year}: the stored {what} differs from the"
    " journal's: {detail}",
    "store.ledger.document": "ledger: the document's ledger is not the store's ledger of"
    " {person_id} {year}; leave it null, the store holds the ledger",
    "store.token.exists": "token {token_id}: a token of that id or secret is already kept",
    # -- the settlement service (HTTP) -------------------------------------------------------
    "service.auth.missing": "no access token: send the header Authorization: Bearer <token>",
    "service.auth.invalid": "the access token is not valid (unknown, malformed or revoked)",
    "service.role": "this request needs a {role} token",
    "service.claim.forbidden": "claim {claim_id}: not a claim this token may read or write",
    "service.person.forbidden": "person {person_id} {year}: no settlement this token may read",
    "service.facility.other": _CLAIM + "facility.id: {value!r} is not this token's facility"
    " {facility} (a facility token settles its own facility's claims)",
    "service.facility.missing": _CLAIM + "facility.id: missing; a facility token settles its own"
    " facility's claims: give facility.id {facility}",
    "service.person.unknown": "person {person_id} {year}: nothing is stored",
    "service.policy.unknown": "policy {policy_id!r}: no such built-in policy (accepted:"
    " {accepted})",
    "service.policy.not_in_force": "policy {policy_id}: not in force on {date} (in force from"
    " {start}{until})",
    "service.query": "{name}: {value!r} is not accepted ({accepted})",
    "service.body.size": "request body: longer than {limit} bytes, the largest accepted",
    "service.body.json": "request body: not JSON: {detail}",
    "service.input": "request body: {detail}",
    "service.timeout": "the request was not handled within {seconds} seconds; send it again"
    " (a retry of a settlement returns the first response)",
    "service.idempotency.conflict": "Idempotency-Key {key!r}: already used with another request",
    "service.idempotency.key": "Idempotency-Key: {value!r} is not accepted (1 to 255 visible"
    " ASCII characters)",
    "service.not_found": "{path}: no such resource",
    "service.method": "{method} {path}: method not allowed (allowed: {allowed})",
    "service.unavailable": "the ledger store cannot be used now: {detail}",
    "service.internal": "an internal error (request {request_id}); nothing was changed that a"
    " retry would not find",
    "service.token.role": "role: {value!r} is not accepted (accepted: {accepted})",
    "service.token.facility": "a facility token needs the facility it acts for (--facility)",
    "service.token.bureau": "a bureau token reads every facility's claims: it takes no --facility",
    "service.token.unknown": "token {token_id}: no such valid token",
    # -- tables, files and analysis arguments (raised as ValueError or TypeError) -----------
    "lines.claim_id.missing": "lines: data row {row} has no claim_id; every fee line names the claim"
    " it is of",
    "lines.claim_id.twice": "lines: claim_id {claim_id!r} is on more than one claims row, so its"
    " fee lines cannot be attributed; a claim with lines needs a claim id of its own",
    "lines.claim_id.unknown": "lines: data row {row}: claim_id {claim_id!r} is not in the claims table"
    " (a fee line belongs to a claim row)",
    "table.column.nested": "{path}: column {column} holds lists or records; every column holds"
    " one value a row (text, number, boolean or date)",
    "table.column.missing": "{table}: the table has no {column} column",
    "table.person_id.twice": "people: person_id {value!r} is given twice",
    "table.person_id.missing": "people: data row {row} has no person_id; every person needs one (no"
    " claim could name this person)",
    "dask.partitions": "partitions: {value!r} is not a number of partitions ≥ 1",
    "dask.dataset": "{dataset}: not a partitioned dataset (claims/part-*.parquet and"
    " people/part-*.parquet, written by partition_dataset or zjj-medical simulate"
    " --partition-to)",
    "dask.address": "--dask {value!r}: local:N needs a number of workers N",
    "table.file.kind": "{file}: not a .csv or .parquet file",
    "table.file.person_id": "{file}: the table has no person_id column",
    "table.money_unit": "money: {value!r} is not 'yuan', 'fen' or 'decimal'",
    "metrics.threshold": "catastrophic_threshold: {value!r} is not an amount ≥ 0",
    "metrics.claims.rows": "claims: {claims} rows, but the result has {result}; pass the claims"
    " of the run",
    "plots.in_scope_share": "in_scope_share: {value} is not in [0, 1]",
    "population.n_people": "n_people: {value} is negative",
    "reform.type": "reform: {type} is not a reform, mapping or path",
    "examples.unknown": "no example named {value!r} (examples: {accepted})",
    "reform.baseline": "baseline: policy {policy_id!r} was not loaded from a built-in name; pass"
    " its name or file path (or an already reformed Policy as reform) to apply a reform",
    # -- premium and chronic-disease care ---------------------------------------------------
    "policy.platform.none": "policy {policy_id} maps no layer to the national platform's"
    " settlement fields (a platform: section)",
    "policy.ratio.places": "a ratio needs {places} decimal places; ratios are computed"
    " exactly with at most {most}",
    "policy.resolved.fen": "{what} {value} is not a whole number of fen",
    "premium.none": "policy {policy_id} states no premium",
    "premium.not_in_force": "premium: no premium in force for {year}",
    "chronic_care.none": "policy {policy_id} states no chronic-disease service",
    "chronic_care.condition.unknown": "conditions: unknown condition {value!r} (accepted: {accepted})",
    "chronic_care.not_in_force": "chronic_care: no service count in force for {year}",
    **{code: _POLICY + text for code, text in _POLICY_FILE.items()},
    "policy.file.missing": "{source}: no such policy file (built-in policies: {builtin})",
    "reform.file.missing": "{source}: no such reform file",
    **{code: _POLICY + text for code, text in _REFORM_FILE.items()},
    **{code: _POLICY + text for code, text in _SWEEP_FILE.items()},
    "sweep.file.missing": "{source}: no such sweep file",
    **{code: "{source}: changes.{path}: " + text for code, text in _REFORM_CHANGE.items()},
    "policy.yaml.invalid": "{source}: not valid YAML: {detail}",
    "policy.file.empty": "{source}: the file is empty",
    "policy.file.size": "{source}: {size} bytes; a policy file is at most {limit} bytes",
    "policy.file.encoding": "{source}: byte {offset}: not UTF-8 (bytes {bytes}); policy files"
    " are UTF-8 text",
    "policy.file.read": "{source}: cannot be read: {detail}",
    "policy.yaml.depth": "{source}: line {line}: mappings and sequences nested deeper than"
    " {limit} levels, aliases expanded (accepted: at most {limit})",
    "policy.yaml.cycle": "{source}: line {line}: an alias inside its own anchor (a cycle)",
    "policy.yaml.surrogate": "{source}: line {line}: {path}: an escape for a lone surrogate"
    " (\\ud800–\\udfff) is not a character",
    "policy.yaml.values": "{source}: more than {limit} values once aliases are expanded"
    " (accepted: at most {limit}; an alias expands to a copy of its anchor)",
    **_CELL,
    **{
        "claim." + code: _CLAIM + "{column}: " + text
        for code, text in _CELL.items()
        if code.startswith(("cell.money.", "cell.date", "cell.bool"))
    },
    "claim.column.missing": _CLAIM + "{column}: missing",
    "claim.row.in_scope.above_total": _CLAIM
    + "in_scope: in_scope {in_scope} is more than total {total}",
    "person.column.missing": "person {person_id}: {column}: missing",
    "claim.person_id.unknown": _CLAIM
    + "person_id: unknown person {value!r} (not in the people table)",
    **{
        "person." + code: "person {person_id}: {column}: " + text
        for code, text in _CELL.items()
        if code in ("cell.bool", "cell.categories")
    },
}

#: A claim row whose person's row was refused: the claim, then the person's error.
MESSAGES.update(
    {
        "claim." + code: _CLAIM + MESSAGES[code]
        for code in MESSAGES
        if code.startswith(("person.cell.", "person.column."))
    }
)

#: What the codes mean, by family: a code's meaning is that of the longest family
#: (a code, or the start of codes up to a dot) it belongs to.
MEANINGS: dict[str, str] = {
    "error": "an error built from a message alone (no code of its own)",
    "claim.invalid": "a claim error built from a message alone",
    "policy.invalid": "a policy error built from a message alone (the batch engine's limits)",
    "policy.not_in_force": "the claim's date is outside the policy's period",
    "claim.policy": "the claim's date is outside the policy's period",
    "lines": "a fee-lines table cannot be matched to its claims",
    "platform": "a settlement request in the national platform's shape cannot be read",
    "line": "a fee line's value cannot be read",
    "claim.line": "a fee line of the claim cannot be read, or split by the policy's catalogue",
    "claim.lines": "the claim's total or in-scope figure disagrees with its fee lines",
    "policy.platform": "the policy's mapping of layers to the national platform's fields is"
    " malformed",
    "policy.catalogue": "the policy's catalogue rules (classes, self-pay ratios) are malformed",
    "ledger.mismatch": "the ledger handed in is another person's or another year's",
    "claim.duplicate": "the person-year's ledger has already settled this claim id",
    "store.error": "a ledger store error built from a message alone",
    "claim.unknown": "a claim the ledger store does not hold (built from a message alone)",
    "money": "an amount is not yuan from 0 to 9,999,999,999.99 with at most 2 decimals",
    "money.fen": "an amount is not a whole number of fen",
    "claim.money": "a claim's amount is not yuan from 0 to 9,999,999,999.99 with at most 2 decimals",
    "claim.id": "the claim id is not a non-empty text",
    "claim.date": "the claim's date is not a date",
    "claim.date.year_span": "the claims of one document fall in more than one year",
    "claim.in_scope": "the in-scope cost is more than the total cost",
    "claim.accident": "the accident flag is not true or false",
    "claim.facility": "the facility is missing, unknown, or does not fit the claim",
    "claim.facility.level.unknown": "the facility level is not one the policy declares",
    "claim.facility.level.conflict": "the level given differs from the declared facility's",
    "claim.facility.level.missing": "neither a level nor a facility the policy declares",
    "claim.facility.level.kind": "a facility of this level does not take claims of this kind",
    "claim.facility.county": "the facility's county is unknown, or missing where it decides"
    " the in-county rule",
    "claim.kind": "the claim kind is not one the policy declares",
    "claim.attribute": "a claim attribute is unknown, missing, or has a value the policy"
    " does not accept",
    "claim.person": "the claim's person does not fit the policy (county, category, row)",
    "claim.person_attribute": "a person attribute, checked for a claim, is unknown, missing,"
    " or has a value the policy does not accept",
    "claim.person_id": "the claim's person is not in the people table",
    "claim.cell": "a cell of a claims-table row cannot be read",
    "claim.column": "a required cell of a claims-table row is empty",
    "claim.row": "the in-scope cost of a claims-table row is more than its total",
    "claim.object": "a claim of a document is not a JSON object",
    "claim.field": "a claim of a document lacks a required field",
    "claim.ledger": "the document's ledger is another person's",
    "cell": "a table cell cannot be read (an amount, a date, a flag, categories)",
    "document": "the person-year document does not have the contract's shape",
    "document.size": "a document or JSON Lines line is larger than the reader accepts",
    "document.encoding": "a document or JSON Lines line is not UTF-8",
    "document.depth": "a document nests arrays and objects deeper than the reader accepts",
    "document.key": "an object of a document gives a key twice, or a key that is not valid Unicode",
    "document.text": "a text of a document is not valid Unicode (a lone surrogate)",
    "person": "the person does not fit the contract or the policy",
    "person.id": "the person id is not a non-empty text",
    "person.text": "a text of the person is not valid Unicode (a lone surrogate)",
    "claim.text": "a text of the claim is not valid Unicode (a lone surrogate)",
    "claim.facility.id": "the facility id is neither null nor a non-empty text",
    "facility.id": "the facility id is neither null nor a non-empty text",
    "person.cell": "a cell of a people-table row cannot be read",
    "person.column": "a required cell of a people-table row is empty",
    "person.attribute": "a person attribute is unknown, missing, or has a value the policy"
    " does not accept",
    "ledger": "a ledger document cannot be read back",
    "ledger.person": "the document's ledger is another person's",
    "ledger.signature": "a ledger handed in lacks the signature of this deployment's key, or"
    " its content was changed after it was signed",
    "premium": "the policy states no premium, or none for the year",
    "chronic_care": "the chronic-disease service asked about is not in the policy",
    "policy": "a policy file does not validate (the message names the file and key path)",
    "policy.file": "the policy file is missing or empty",
    "policy.yaml": "the policy file is not YAML the loader reads",
    "policy.yaml.depth": "the policy file nests deeper than the reader accepts",
    "policy.yaml.cycle": "an alias of the policy file is inside its own anchor",
    "policy.yaml.surrogate": "a text of the policy file holds a lone surrogate escape",
    "policy.yaml.values": "the policy file holds more values than the reader accepts, aliases"
    " expanded",
    "policy.file.size": "the policy file is larger than the reader accepts",
    "policy.file.encoding": "the policy file is not UTF-8",
    "policy.file.read": "the policy file cannot be read",
    "population": "the synthetic population's parameter file does not validate",
    "reform": "a reform file does not validate",
    "reform.set": "a reform's change names a key path the policy does not have",
    "sweep": "a sweep file does not validate",
    "store": "the ledger store cannot be used, or holds no such claim",
    "store.claim.other_content": "the claim id is stored with other content",
    "store.claim.taken": "the claim id is stored for another person (nothing is said of it)",
    "store.ledger.document": "a document's ledger differs from the store's",
    "store.token": "a token of that id or secret is already kept",
    "service": "a request to the settlement service cannot be served as sent",
    "service.auth": "the request carries no valid access token (401)",
    "service.role": "the token's role does not allow the request (403)",
    "service.claim.forbidden": "the claim is not one of the token's facility (403; nothing is"
    " said of whether it exists)",
    "service.person.forbidden": "the person-year holds no settlement of the token's facility (403)",
    "service.facility.other": "a facility token sent a claim of another facility (403)",
    "service.facility.missing": "a facility token sent a claim without a facility id (403)",
    "service.person.unknown": "the person-year has nothing stored (404)",
    "service.policy": "no such built-in policy, or not in force on the date asked (404)",
    "service.query": "a query parameter or path segment is not accepted (400)",
    "service.body": "the request body is too large (413) or not JSON (400)",
    "service.input": "the request body cannot be read as the contract's document (422)",
    "service.timeout": "the request took longer than the service's bound (503)",
    "service.idempotency.conflict": "the Idempotency-Key was used with another request (409)",
    "service.idempotency.key": "the Idempotency-Key header is not accepted (400)",
    "service.not_found": "no such path (404)",
    "service.method": "the path does not take this method (405)",
    "service.unavailable": "the ledger store cannot be used now (503)",
    "service.internal": "an unexpected error (500); never the answer to any input",
    "service.token": "a token command's arguments are not accepted, or no such token",
    "table": "a claims or people table (or file) lacks what every row needs",
    "dask": "a partitioned run's number of partitions, dataset or cluster address is not accepted",
    "metrics": "an argument of the run's summary is not accepted",
    "plots": "an argument of a plot is not accepted",
    "population.n_people": "the number of people to draw is negative",
    "reform.type": "what was given as a reform is not one",
    "examples.unknown": "no example document has the name asked for",
    "reform.baseline": "the baseline policy cannot be re-read to apply the reform",
}


#: The catalog context of a family's meaning: ``meaning:`` and the family
#: (``meaning:claim.kind``), so a meaning is translated apart from a template of the same code.
MEANING_CONTEXT = "meaning:"


def meaning(code: str, lang: str = "en") -> str:
    """What a code means, in ``lang``: the entry of its longest family in :data:`MEANINGS`
    (English, the source), translated through the catalog (context ``meaning:<family>``)
    for another language; English where the catalog has no translation.

    >>> meaning("claim.cell.money.decimals")
    'a cell of a claims-table row cannot be read'
    >>> meaning("claim.cell.money.decimals", "zh")
    '理赔表某行的单元格无法读取'
    """
    parts = code.split(".")
    for n in range(len(parts), 0, -1):
        family = ".".join(parts[:n])
        found = MEANINGS.get(family)
        if found is not None:
            if lang == "en":
                return found
            from zjj_medical.i18n import pgettext

            return pgettext(MEANING_CONTEXT + family, found, lang)
    return ""
