//! The schemas of what the request bodies carry, written by hand where the readers are not serde
//! types this crate owns: the application's `id` (`underwrite_core::application`), the signals
//! payload (`underwrite_core::signals`, read in one borrowing pass, not by a derived
//! `Deserialize`) and the KYC input (`underwrite_kyc`'s request, whose derived schema says what
//! serde reads, not what the matcher then accepts).
//!
//! Each states what its reader requires, field by field, so a body valid against the document
//! is one the reader takes (`tests/openapi.rs` holds the two together with bodies on both sides
//! of each rule). What JSON Schema cannot state is in the `description`: the signal catalog's
//! range checks by kind (a count is whole and not negative), that a signal name appears once,
//! that a KYC `country` is one the phone metadata knows, and that a KYC *result* agrees with
//! itself. Those refusals are 422 problems naming the field.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};
use underwrite_core::application::{MAX_ID_CHARS, MAX_ID_NUMBER_CHARS};
use underwrite_core::signals::MAX_SIGNALS;

/// The characters Rust's `char::is_whitespace` (Unicode `White_Space`) counts, as a regular
/// expression class body: the KYC reader's "blank" (JSON Schema's `\s` is ECMA-262's, which
/// differs).
const WHITE_SPACE: &str =
    r"\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// The largest integer `id`: as many nines as an id number may have characters.
fn largest_id_integer() -> Value {
    number(&"9".repeat(MAX_ID_NUMBER_CHARS))
}

/// The smallest integer `id`: a minus sign and one nine fewer.
fn smallest_id_integer() -> Value {
    number(&format!("-{}", "9".repeat(MAX_ID_NUMBER_CHARS - 1)))
}

/// A JSON number from its exact text (serde_json keeps it exact: `arbitrary_precision`).
fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// Implements `JsonSchema` for a marker type with a fixed name and a schema built by `$body`.
macro_rules! schema {
    ($(#[$doc:meta])* $name:ident, |$generator:ident| $body:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema($generator: &mut SchemaGenerator) -> Schema {
                $body
            }
        }
    };
}

schema!(
    /// An application's `id`: a string of at most 256 characters, a number whose JSON text is
    /// at most 40 characters, or `null` (no id).
    ApplicationId,
    |_generator| json_schema!({
        "description": format!(
            "The application's id: a string of at most {MAX_ID_CHARS} characters, or a finite \
             number whose JSON text is at most {MAX_ID_NUMBER_CHARS} characters (an integer \
             between the bounds given; a fraction or exponent counts its characters too, and \
             `1e400`, which no reader can hold, is refused), or null for none. Echoed back \
             exactly as sent, logged, and hashed to choose the arm of a split."
        ),
        "anyOf": [
            { "type": "string", "maxLength": MAX_ID_CHARS },
            { "type": "integer", "minimum": smallest_id_integer(), "maximum": largest_id_integer() },
            { "type": "number", "not": { "type": "integer" } },
            { "type": "null" },
        ],
    })
);

schema!(
    /// The signals payload: the provider's envelope or its bare `data` object.
    SignalsPayload,
    |generator| json_schema!({
        "description": "The risk-signals payload exactly as the provider returned it: the \
            envelope `{code, message, requestId, data}` (recognised by a `data` or `code` key) or \
            the bare `data` object. Keys not named here are ignored.",
        "anyOf": [
            generator.subschema_for::<SignalsEnvelope>(),
            {
                "description": "The bare `data` object (no `data` or `code` key).",
                "allOf": [generator.subschema_for::<SignalsData>()],
                "properties": { "data": false, "code": false },
            },
        ],
    })
);

schema!(
    /// The provider's envelope around `data`.
    SignalsEnvelope,
    |generator| json_schema!({
        "description": "The provider's envelope. `code` other than `OK` is the provider's error \
            (422). The data fields belong inside `data`, never beside it.",
        "type": "object",
        "required": ["data"],
        "additionalProperties": true,
        "properties": {
            "code": { "const": "OK" },
            "message": {},
            "requestId": {},
            "data": generator.subschema_for::<SignalsData>(),
            "status": false,
            "resultCode": false,
            "items": false,
            "result": false,
        },
    })
);

schema!(
    /// The `data` object (or a bare payload).
    SignalsData,
    |generator| {
        let items = generator.subschema_for::<SignalItems>();
        let result = generator.subschema_for::<SignalResult>();
        json_schema!({
            "description": "The signal request's data. `status` must be `COMPLETED` \
                (`PROCESSING` is refused with 422: wait for the webhook; `ERROR` is refused). \
                `resultCode` `SUCCESS` needs exactly one of `items` (the beta shape) and \
                `result` (the alpha shape), the other absent or null; `NO_DATA` (a thin file), \
                `SYSTEM_ERROR` and `SERVICE_UNAVAILABLE` (the signals are unavailable: the \
                policy's fallback decides, never an approve) carry no signals, and any given \
                are ignored, but `items` and `result` may still not both be given. Every key \
                at most once (a duplicate is refused).",
            "type": "object",
            "required": ["status", "resultCode"],
            "additionalProperties": true,
            "properties": {
                "status": { "const": "COMPLETED" },
                "resultCode": {
                    "enum": ["SUCCESS", "NO_DATA", "SYSTEM_ERROR", "SERVICE_UNAVAILABLE"],
                },
                "resultMessage": {},
            },
            "anyOf": [
                {
                    "required": ["items"],
                    "properties": {
                        "resultCode": { "const": "SUCCESS" },
                        "items": items,
                        "result": { "type": "null" },
                    },
                },
                {
                    "required": ["result"],
                    "properties": {
                        "resultCode": { "const": "SUCCESS" },
                        "result": result,
                        "items": { "type": "null" },
                    },
                },
                {
                    "properties": {
                        "resultCode": {
                            "enum": ["NO_DATA", "SYSTEM_ERROR", "SERVICE_UNAVAILABLE"],
                        },
                    },
                    "anyOf": [
                        { "properties": { "items": { "type": "null" } } },
                        { "properties": { "result": { "type": "null" } } },
                    ],
                },
            ],
        })
    }
);

/// What the catalog checks by kind, for the descriptions of signal values.
const VALUE_RULES: &str = "A name that fits the catalog's scheme (`events_<event>_day<N>`, \
    `..._institution_count`, `..._amount`, `..._days`, `events_<event>_days_since_last`) is \
    checked by its kind: not negative, whole except for amounts, a band (`\"A0\"`..`\"A99\"`) \
    only for an amount; any number must have an exact decimal form (at most 28 decimal places, \
    magnitude below 2^96). A name appears at most once. null is missing (what that means is \
    the kind's: no events for a count, never for days-since-last).";

schema!(
    /// `data.items`: the beta shape.
    SignalItems,
    |generator| json_schema!({
        "description": format!(
            "The beta shape: at most {MAX_SIGNALS} signals `{{name, value, valueType}}`. {VALUE_RULES}"
        ),
        "type": "array",
        "maxItems": MAX_SIGNALS,
        "items": generator.subschema_for::<SignalItem>(),
    })
);

/// A number in JSON's syntax, as a string (providers send numbers as strings).
const NUMBER_TEXT: &str = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$";

schema!(
    /// One element of `data.items`.
    SignalItem,
    |_generator| json_schema!({
        "description": "One signal. `valueType` `NUMBER`: a number, a number written as a \
            string, or null; `STRING`: a string (a band such as `A3`, or text) or null.",
        "type": "object",
        "required": ["name", "value", "valueType"],
        "additionalProperties": true,
        "properties": {
            "name": { "type": "string", "minLength": 1 },
            "valueType": { "enum": ["NUMBER", "STRING"] },
            "value": { "type": ["null", "number", "string"] },
        },
        "oneOf": [
            {
                "properties": {
                    "valueType": { "const": "NUMBER" },
                    "value": {
                        "anyOf": [
                            { "type": ["null", "number"] },
                            { "type": "string", "pattern": NUMBER_TEXT },
                        ],
                    },
                },
            },
            {
                "properties": {
                    "valueType": { "const": "STRING" },
                    "value": { "type": ["null", "string"] },
                },
            },
        ],
    })
);

schema!(
    /// `data.result`: the alpha shape.
    SignalResult,
    |_generator| json_schema!({
        "description": format!(
            "The alpha shape: at most {MAX_SIGNALS} signals as `name: value` (a number, a \
             string, or null; the JSON type decides how a name outside the catalog is read). \
             {VALUE_RULES}"
        ),
        "type": "object",
        "maxProperties": MAX_SIGNALS,
        "propertyNames": { "minLength": 1 },
        "additionalProperties": { "type": ["null", "number", "string"] },
    })
);

schema!(
    /// The KYC input of an application: a request to match, or a result.
    KycInput,
    |generator| json_schema!({
        "description": "A KYC request (`submitted` / `authority`) to match, a KYC result in \
            the reference's shape, or null for none.",
        "anyOf": [
            generator.subschema_for::<KycRequestInput>(),
            generator.subschema_for::<KycResultGiven>(),
            { "type": "null" },
        ],
    })
);

schema!(
    /// A KYC request as the matcher accepts it.
    KycRequestInput,
    |generator| json_schema!({
        "description": "The submitted record, the authority's record (null when the ID was \
            not found; the key is required) and whether the authority was unavailable.",
        "type": "object",
        "required": ["submitted", "authority"],
        "additionalProperties": false,
        "properties": {
            "submitted": generator.subschema_for::<KycSubmitted>(),
            "authority": {
                "anyOf": [generator.subschema_for::<KycAuthority>(), { "type": "null" }],
            },
            "issuer_unavailable": { "type": "boolean" },
        },
    })
);

/// A string that is not blank: some character outside Unicode's `White_Space`.
fn name_text() -> Value {
    json!({ "type": "string", "pattern": format!("[^{WHITE_SPACE}]") })
}

/// The fields both records share, each null, blank (not provided) or valid.
fn record_fields(names: Value) -> Value {
    let blank = format!("^[{WHITE_SPACE}]*$");
    let optional = |valid: Value| json!({ "anyOf": [{ "type": "null" }, { "type": "string", "pattern": blank }, valid] });
    let ws = WHITE_SPACE;
    json!({
        "first_name": names,
        "last_name": names,
        "middle_name": { "type": ["string", "null"] },
        "dob": optional(json!({ "type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" })),
        "gender": optional(json!({
            "type": "string",
            "pattern": format!("^[{ws}]*([Mm]|[Ff]|[Mm][Aa][Ll][Ee]|[Ff][Ee][Mm][Aa][Ll][Ee])[{ws}]*$"),
        })),
        "phone_number": optional(json!({
            "type": "string",
            "pattern": format!(r"^[0-9 +\-()./{ws}\u2010-\u2015\u2212]*[0-9][0-9 +\-()./{ws}\u2010-\u2015\u2212]*$"),
        })),
        "country": optional(json!({
            "type": "string",
            "pattern": format!("^[{ws}]*[A-Za-z]{{2}}[{ws}]*$"),
            "description": "An ISO 3166-1 alpha-2 code the phone metadata knows (`PH`, `NG`), any case.",
        })),
    })
}

schema!(
    /// The submitted record.
    KycSubmitted,
    |_generator| json_schema!({
        "description": "What the applicant submitted. `first_name` and `last_name` are \
            required and not blank; any other field null or blank is not provided. `dob` is \
            `YYYY-MM-DD` (a real date, year 0001 or later); `gender` `M`, `F`, `Male` or \
            `Female` in any case; `phone_number` digits with formatting (spaces, `+-()./`, \
            dashes); `country` an ISO 3166-1 alpha-2 code.",
        "type": "object",
        "required": ["first_name", "last_name"],
        "additionalProperties": false,
        "properties": record_fields(name_text()),
    })
);

schema!(
    /// The authority's record.
    KycAuthority,
    |_generator| json_schema!({
        "description": "What the ID authority holds; every field may be absent, null or blank \
            (not provided), and the others are read as in the submitted record.",
        "type": "object",
        "additionalProperties": false,
        "properties": record_fields(json!({ "type": ["string", "null"] })),
    })
);

schema!(
    /// A KYC result given instead of a request.
    KycResultGiven,
    |generator| json_schema!({
        "description": "A KYC result in the reference's shape, read strictly: each key once \
            at every level, and `ResultCode`, `ResultText`, `Actions.ID_Verification`, \
            `Actions.Verify_ID_Number` and the field outcomes agreeing with each other (a \
            result that contradicts itself is refused with 422).",
        "allOf": [generator.subschema_for::<underwrite_kyc::KycResult>()],
    })
);

schema!(
    /// The applicant's phone number of `POST /v1/applications`.
    PhoneNumber,
    |_generator| json_schema!({
        "description": "International (`+639171234567`) or national with `country`; it must be \
            a number libphonenumber holds valid for its country, which no pattern states.",
        "type": "string",
        "pattern": "[0-9]",
    })
);

schema!(
    /// The country of a national phone number.
    CountryCode,
    |_generator| json_schema!({
        "description": "An ISO 3166-1 alpha-2 code (`PH`), any case, that libphonenumber knows; \
            null for none.",
        "anyOf": [
            { "type": "string", "pattern": format!("^[{WHITE_SPACE}]*[A-Za-z]{{2}}[{WHITE_SPACE}]*$") },
            { "type": "null" },
        ],
    })
);

/// Rust's `char::is_control` (Unicode `Cc`) as a class body.
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

schema!(
    /// A signal template id.
    TemplateId,
    |_generator| json_schema!({
        "description": "The provider's signal template id (the service's default when absent \
            or null): at most 200 characters, not blank, no control characters.",
        "anyOf": [
            {
                "type": "string",
                "maxLength": 200,
                "pattern": format!("^[^{CONTROL}]*[^{WHITE_SPACE}{CONTROL}][^{CONTROL}]*$"),
            },
            { "type": "null" },
        ],
    })
);

schema!(
    /// The consent object of `POST /v1/applications`.
    ConsentDoc,
    |_generator| {
        let text = json!({ "anyOf": [
            { "type": "string", "pattern": format!("[^{WHITE_SPACE}]") },
            { "type": "null" },
        ] });
        let text_or_number = json!({ "anyOf": [
            { "type": "string", "pattern": format!("[^{WHITE_SPACE}]") },
            { "type": ["number", "null"] },
        ] });
        let given = json!({ "not": { "type": "null" } });
        json_schema!({
            "description": "The applicant's consent, as the provider defines it: `consentedAt` \
                always (RFC 3339 in UTC: `Z` or `+00:00`), and `consentTemplateId` or all of \
                `type`, `version` and `consentedWith`. A text field may not be blank; null is \
                absent.",
            "type": "object",
            "required": ["consentedAt"],
            "additionalProperties": false,
            "properties": {
                "consentedAt": {
                    "type": "string",
                    "format": "date-time",
                    "pattern": r"(Z|\+00:00)$",
                },
                "consentTemplateId": text_or_number,
                "type": text,
                "version": text_or_number,
                "consentedWith": text,
            },
            "anyOf": [
                { "required": ["consentTemplateId"], "properties": { "consentTemplateId": given } },
                {
                    "required": ["type", "version", "consentedWith"],
                    "properties": { "type": given, "version": given, "consentedWith": given },
                },
            ],
        })
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_bounds_have_exactly_the_allowed_number_of_characters() {
        assert_eq!(largest_id_integer().to_string().len(), MAX_ID_NUMBER_CHARS);
        assert_eq!(smallest_id_integer().to_string().len(), MAX_ID_NUMBER_CHARS);
    }
}
