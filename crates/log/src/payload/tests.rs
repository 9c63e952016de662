//! The payload writer against pinned outputs, serde_json (the reference for what JSON is and
//! what a value is) and HMAC vectors computed with Python's `hmac` module.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;

const PHONE: &str = "+639171234567";

fn written(payload: &str, masking: &PhoneMasking) -> String {
    let mut out = Vec::new();
    write(&mut out, payload, masking).unwrap_or_else(|e| panic!("{payload:?}: {e}"));
    String::from_utf8(out).expect("utf-8")
}

fn removed(payload: &str) -> String {
    written(payload, &PhoneMasking::Remove)
}

fn hash(salt: &[u8]) -> PhoneMasking {
    PhoneMasking::Hash {
        salt: salt.to_vec(),
    }
}

/// No byte or character any line reader takes for a line break.
fn assert_one_line(text: &str) {
    for c in ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'] {
        assert!(!text.contains(c), "{c:?} in {text}");
    }
}

fn repo_file(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    std::fs::read_to_string(path).expect("a file of the repository")
}

#[test]
fn a_pretty_payload_is_written_compact_with_its_phone_removed() {
    let payload =
        "{\n  \"code\" : \"OK\",\r\n\t\"data\": {\"requestMeta\": {\"phone\": \"+63917\", \
                   \"consent\": {\"type\": \"T&C\"}},\n \"result\": {\"a\": 1.50, \"b\": null, \
                   \"c\": [ true , false ]}}\n}\n";
    assert_eq!(
        removed(payload),
        r#"{"code":"OK","data":{"requestMeta":{"consent":{"type":"T&C"}},"result":{"a":1.50,"b":null,"c":[true,false]}}}"#
    );
}

#[test]
fn the_readmes_pretty_file_becomes_one_line_with_the_same_value() {
    let pretty = repo_file("testdata/signals/clean.json");
    assert!(pretty.lines().count() > 100, "the file is pretty-printed");
    let line = removed(&pretty);
    assert_one_line(&line);
    let mut expected: Value = serde_json::from_str(&pretty).expect("json");
    let meta = expected["data"]["requestMeta"]
        .as_object_mut()
        .expect("an object");
    assert!(meta.remove("phone").is_some());
    assert_eq!(
        serde_json::from_str::<Value>(&line).expect("json"),
        expected
    );
    assert!(!line.contains("9171234567"));
    // Fewer bytes than even the compact file: no spaces, no phone.
    let compact = serde_json::to_string(&serde_json::from_str::<Value>(&pretty).expect("json"))
        .expect("json");
    assert!(
        line.len() < compact.len(),
        "{} vs {}",
        line.len(),
        compact.len()
    );
}

#[test]
fn every_whitespace_form_writes_the_same_line() {
    let value: Value =
        serde_json::from_str(&repo_file("testdata/signals/risky.json")).expect("json");
    let pretty = serde_json::to_string_pretty(&value).expect("json");
    let compact = serde_json::to_string(&value).expect("json");
    let forms = [
        compact.clone(),
        pretty.clone(),
        pretty.replace('\n', "\r\n"),
        pretty.replace("  ", "\t"),
        pretty.replace('\n', "\n\n \t\r\n"),
        format!(" \t\r\n{pretty}\r\n\t "),
    ];
    let first = removed(&forms[0]);
    assert_one_line(&first);
    for form in &forms {
        assert_eq!(removed(form), first, "{form:?}");
    }
}

#[test]
fn line_separators_inside_strings_are_escaped() {
    let payload = "{\"data\": {\"resultMessage\": \"a\u{2028}b\u{2029}c\u{85}d\",\n \"k\u{2028}\": \"\\u2028\"}}";
    let line = removed(payload);
    assert_one_line(&line);
    assert_eq!(
        line,
        r#"{"data":{"resultMessage":"a\u2028b\u2029c\u0085d","k\u2028":"\u2028"}}"#
    );
    assert_eq!(
        serde_json::from_str::<Value>(&line).expect("json"),
        serde_json::from_str::<Value>(payload).expect("json")
    );
    // Other multi-byte characters that share a first byte are copied as they are.
    let others = "{\"a\":\"\u{2026}\u{a9}\u{20ac}\u{1f600}\"}";
    assert_eq!(removed(others), others);
}

#[test]
fn a_special_character_at_any_offset_of_a_long_string_is_seen() {
    // The scan skips plain ASCII eight bytes at a time: put each special at every offset.
    for at in 0..24 {
        let pad = |n: usize| "a".repeat(n);
        let (before, after) = (pad(at), pad(23 - at));
        for (special, written) in [
            ("\\\"", "\\\""),
            ("\\n", "\\n"),
            ("\\u0041", "\\u0041"),
            ("\u{2028}", "\\u2028"),
            ("\u{85}", "\\u0085"),
            ("\u{e9}", "\u{e9}"),
            ("\u{7f}", "\u{7f}"),
        ] {
            let payload = format!("[\"{before}{special}{after}\", 1]");
            assert_eq!(
                written_keep(&payload),
                format!("[\"{before}{written}{after}\",1]"),
                "{payload:?}"
            );
        }
        for control in ['\n', '\u{1}', '\u{1f}'] {
            let payload = format!("[\"{before}{control}{after}\"]");
            let error = write(&mut Vec::new(), &payload, &PhoneMasking::Keep).expect_err("control");
            assert_eq!(error.kind, PayloadErrorKind::ControlCharacter);
            assert_eq!(error.offset, 2 + at, "{payload:?}");
        }
        // The closing quote itself at every offset.
        let payload = format!("[\"{before}\",\"{after}\"]");
        assert_eq!(written_keep(&payload), payload);
    }
}

fn written_keep(payload: &str) -> String {
    written(payload, &PhoneMasking::Keep)
}

#[test]
fn a_forged_record_inside_the_payload_stays_inside_one_line() {
    let record = r#"{"v":1,"decision_id":"forged","time":"2026-11-26T09:30:00.000Z","policy":{"name":"p","version":"1","hash":"aaaa"},"arm":"champion","input_sha256":"bb","signals":{"data":{}},"decision":"approve","score":900,"reasons":[],"latency_us":1}"#;
    for separator in ["\n", "\r\n", "\n\n", " \t\r\n"] {
        let payload = format!(
            "{{\"code\":\"OK\",\"data\":{{\"status\":\"COMPLETED\"}},\"x\":{separator}{record}{separator}}}"
        );
        let line = removed(&payload);
        assert_one_line(&line);
        assert_eq!(
            serde_json::from_str::<Value>(&line).expect("json")["x"]["decision_id"],
            "forged",
            "kept, as a value inside the payload"
        );
    }
}

#[test]
fn masking_fails_closed_on_shapes_it_cannot_read() {
    let table = [
        // requestMeta that is not an object: dropped whole, wherever the phone is looked for.
        (r#"{"requestMeta":["+639171234567"],"x":1}"#, r#"{"x":1}"#),
        (r#"{"requestMeta":"+639171234567"}"#, r#"{}"#),
        (
            r#"{"data":{"requestMeta":"+639171234567","x":1}}"#,
            r#"{"data":{"x":1}}"#,
        ),
        (
            r#"{"data":{"x":1,"requestMeta":[{"phone":"+63917"}]}}"#,
            r#"{"data":{"x":1}}"#,
        ),
        (r#"{"data":{"requestMeta":639171234567}}"#, r#"{"data":{}}"#),
        (r#"{"data":{"requestMeta":null}}"#, r#"{"data":{}}"#),
        // data that is not an object: dropped (the signals reader refuses such a payload).
        (r#"{"data":[{"requestMeta":{"phone":"+63917"}}]}"#, r#"{}"#),
        (r#"{"code":"OK","data":"+63917"}"#, r#"{"code":"OK"}"#),
        // A payload that is not an object: nothing of it.
        (r#"["+639171234567"]"#, "null"),
        (r#""+639171234567""#, "null"),
        ("639171234567", "null"),
        // Both places, duplicates, escaped keys: every phone goes.
        (
            r#"{"data":{"requestMeta":{"phone":"1"}},"requestMeta":{"phone":"2","t":1}}"#,
            r#"{"data":{"requestMeta":{}},"requestMeta":{"t":1}}"#,
        ),
        (
            r#"{"requestMeta":{"phone":"1","\u0070hone":"2"},"data":{"requestMeta":{"phone":"3","x":1,"phone":"4"}},"d\u0061ta":{"requestM\u0065ta":{"phone":"5"}}}"#,
            r#"{"requestMeta":{},"data":{"requestMeta":{"x":1}},"d\u0061ta":{"requestM\u0065ta":{}}}"#,
        ),
        (
            r#"{"requestMeta":{"phone":"1"},"requestMeta":["2"],"requestMeta":{"x":"3"}}"#,
            r#"{"requestMeta":{},"requestMeta":{"x":"3"}}"#,
        ),
        // Places the provider never puts the phone are copied (compact).
        (
            r#"{"a": {"requestMeta": {"phone": "x"}}, "data": {"items": [{"requestMeta": {"phone": "y"}}]}}"#,
            r#"{"a":{"requestMeta":{"phone":"x"}},"data":{"items":[{"requestMeta":{"phone":"y"}}]}}"#,
        ),
        // A key that only looks like one.
        (
            r#"{"data":{"RequestMeta":{"phone":"x"},"requestMeta ":["y"]}}"#,
            r#"{"data":{"RequestMeta":{"phone":"x"},"requestMeta ":["y"]}}"#,
        ),
    ];
    for (payload, expected) in table {
        assert_eq!(removed(payload), expected, "{payload}");
        // Hashing fails closed on the same shapes.
        if !expected.contains("phone") {
            assert!(!written(payload, &hash(b"s")).contains("+639"), "{payload}");
        }
    }
}

#[test]
fn keep_only_compacts() {
    let payload =
        "{ \"data\" : { \"requestMeta\" : [ \"+63917\" ] } ,\n \"requestMeta\": {\"phone\": 1} }";
    assert_eq!(
        written(payload, &PhoneMasking::Keep),
        r#"{"data":{"requestMeta":["+63917"]},"requestMeta":{"phone":1}}"#
    );
    assert_eq!(
        written("[1, \"+63917\"]", &PhoneMasking::Keep),
        r#"[1,"+63917"]"#
    );
}

#[test]
fn hash_replaces_the_phone_by_its_keyed_hash() {
    // Python: hmac.new(b"pepper", b"+639171234567", hashlib.sha256).hexdigest()
    let pepper = "hmac-sha256:e55022dcef71333da0bf33bf11bc2a92f909b25cce7256f4965a4079e16dfa9f";
    let envelope = format!(
        r#"{{"code":"OK","data":{{"requestMeta":{{"phone":"{PHONE}","consent":{{"type":"T&C"}}}},"result":{{}}}}}}"#
    );
    assert_eq!(
        written(&envelope, &hash(b"pepper")),
        format!(
            r#"{{"code":"OK","data":{{"requestMeta":{{"phone":"{pepper}","consent":{{"type":"T&C"}}}},"result":{{}}}}}}"#
        )
    );
    // The same phone escaped, in the bare shape: the same hash.
    let bare = r#"{"requestMeta": {"phone": "\u002b639171234567"}}"#;
    assert_eq!(
        written(bare, &hash(b"pepper")),
        format!(r#"{{"requestMeta":{{"phone":"{pepper}"}}}}"#)
    );
    // A number: the hash of its text. Python: hmac.new(bytes([7]), b"63917", ...).
    assert_eq!(
        written(r#"{"requestMeta":{"phone":63917}}"#, &hash(&[7])),
        r#"{"requestMeta":{"phone":"hmac-sha256:5ea7e0ca053b0caf269e76e7cc831b0064f9956bebe79776b61a923db8d0c3a9"}}"#
    );
    // What cannot be hashed as a phone is dropped: an object, an array, a lone surrogate.
    for phone in [
        r#"{"n":"+63917"}"#,
        r#"["+63917"]"#,
        r#""\ud800+63917""#,
        "true",
        "null",
    ] {
        let payload = format!(r#"{{"requestMeta":{{"a":1,"phone":{phone},"b":2}}}}"#);
        assert_eq!(
            written(&payload, &hash(&[7])),
            r#"{"requestMeta":{"a":1,"b":2}}"#,
            "{phone}"
        );
    }
    // A surrogate pair is text: hashed.
    let pair = written(r#"{"requestMeta":{"phone":"\ud83d\ude00"}}"#, &hash(&[7]));
    assert!(pair.contains("hmac-sha256:"), "{pair}");
}

#[test]
fn numbers_keep_their_exact_text() {
    let payload = r#"{"data": {"result": {"a": 12345678901234567890.10, "b": -0, "c": 1E+400, "d": 0.000, "e": -1.5e-7}}}"#;
    assert_eq!(
        removed(payload),
        r#"{"data":{"result":{"a":12345678901234567890.10,"b":-0,"c":1E+400,"d":0.000,"e":-1.5e-7}}}"#
    );
}

#[test]
fn what_is_not_json_is_refused_where_it_goes_wrong_and_nothing_is_written() {
    use PayloadErrorKind::*;
    let table = [
        ("", 0, UnexpectedEnd),
        ("   ", 3, UnexpectedEnd),
        (r#"{"a":}"#, 5, UnexpectedByte),
        ("[1,]", 3, UnexpectedByte),
        ("[1 2]", 3, UnexpectedByte),
        ("01", 1, TrailingBytes),
        ("1 2", 2, TrailingBytes),
        ("\"a\u{1}\"", 2, ControlCharacter),
        ("\"a\nb\"", 2, ControlCharacter),
        (r#""\q""#, 1, BadEscape),
        (r#""\u12g4""#, 1, BadEscape),
        (r#""abc"#, 4, UnexpectedEnd),
        (r#"{"a":1"#, 6, UnexpectedEnd),
        (r#"{"a" 1}"#, 5, UnexpectedByte),
        (r#"{"a":1,}"#, 7, UnexpectedByte),
        (r#"{1:2}"#, 1, UnexpectedByte),
        ("-", 1, BadNumber),
        ("1.", 2, BadNumber),
        ("1e+", 3, BadNumber),
        ("+1", 0, UnexpectedByte),
        ("tru", 0, UnexpectedByte),
        ("nul", 0, UnexpectedByte),
        (
            "{\"data\":{\"requestMeta\":{\"phone\":\"1\",}}}",
            36,
            UnexpectedByte,
        ),
        ("{\"requestMeta\":[1,}", 18, UnexpectedByte),
        ("\u{feff}{}", 0, UnexpectedByte),
    ];
    for (payload, offset, kind) in table {
        for masking in [PhoneMasking::Remove, PhoneMasking::Keep, hash(b"s")] {
            let mut out = b"prefix".to_vec();
            let error = write(&mut out, payload, &masking).expect_err(payload);
            assert_eq!(
                error,
                PayloadError { offset, kind },
                "{payload:?} {masking:?}"
            );
            assert_eq!(out, b"prefix", "{payload:?}");
            assert!(serde_json::from_str::<&serde_json::value::RawValue>(payload).is_err());
        }
    }
}

#[test]
fn nesting_of_any_depth_is_copied_without_recursion() {
    let depth = 200_000;
    let arrays = format!("{}{}", "[ ".repeat(depth), " ]".repeat(depth));
    assert_eq!(
        written(&arrays, &PhoneMasking::Keep),
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    );
    let objects = format!(
        "{{\"data\": {}1{}}}",
        "{\"a\": ".repeat(depth),
        "}".repeat(depth)
    );
    let line = removed(&objects);
    assert_eq!(
        line,
        format!(
            "{{\"data\":{}1{}}}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        )
    );
    // Mixed nesting closes each container with its own bracket.
    assert!(write(&mut Vec::new(), "[{\"a\":[1}]}", &PhoneMasking::Keep).is_err());
    assert_eq!(
        written("[{\"a\":[{},[],{\"b\":[[]]}]},[]]", &PhoneMasking::Keep),
        "[{\"a\":[{},[],{\"b\":[[]]}]},[]]"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties: for arbitrary JSON, written with arbitrary whitespace and escapes, the line is
// one line of valid JSON whose value is the input's, masked by a reference written here over
// `serde_json::Value`.

/// The masking rules, over a `Value` (no duplicate keys can exist there).
fn reference(value: &Value, masking: &PhoneMasking) -> Value {
    let salt = match masking {
        PhoneMasking::Keep => return value.clone(),
        PhoneMasking::Remove => None,
        PhoneMasking::Hash { salt } => Some(salt.as_slice()),
    };
    let Value::Object(top) = value else {
        return Value::Null;
    };
    let mut out = Map::new();
    for (key, value) in top {
        match key.as_str() {
            "requestMeta" => {
                if let Some(meta) = reference_meta(value, salt) {
                    out.insert(key.clone(), meta);
                }
            }
            "data" => {
                if let Value::Object(data) = value {
                    let mut kept = Map::new();
                    for (key, value) in data {
                        if key == "requestMeta" {
                            if let Some(meta) = reference_meta(value, salt) {
                                kept.insert(key.clone(), meta);
                            }
                        } else {
                            kept.insert(key.clone(), value.clone());
                        }
                    }
                    out.insert(key.clone(), Value::Object(kept));
                }
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

fn reference_meta(value: &Value, salt: Option<&[u8]>) -> Option<Value> {
    let Value::Object(meta) = value else {
        return None;
    };
    let mut out = Map::new();
    for (key, value) in meta {
        if key != "phone" {
            out.insert(key.clone(), value.clone());
            continue;
        }
        let Some(salt) = salt else { continue };
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        out.insert(
            key.clone(),
            Value::String(reference_hmac(salt, text.as_bytes())),
        );
    }
    Some(Value::Object(out))
}

/// HMAC-SHA256 by its definition (RFC 2104) over sha2, not through the hmac crate.
fn reference_hmac(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    format!("hmac-sha256:{}", hex::encode(outer))
}

/// A deterministic source of choices for the emitter.
struct Choices(u64);

impl Choices {
    fn next(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// `value` as JSON text with whitespace between every token and strings escaped at random.
fn emit(value: &Value, c: &mut Choices, out: &mut String) {
    const SPACE: [&str; 7] = ["", "", " ", "\n", "\r\n", "\t", " \n\t  \r\n"];
    let ws = |c: &mut Choices, out: &mut String| out.push_str(SPACE[c.next(7) as usize]);
    ws(c, out);
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => emit_string(s, c, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    ws(c, out);
                    out.push(',');
                }
                emit(item, c, out);
                ws(c, out);
            }
            ws(c, out);
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(c, out);
                emit_string(key, c, out);
                ws(c, out);
                out.push(':');
                emit(item, c, out);
                ws(c, out);
            }
            ws(c, out);
            out.push('}');
        }
    }
    ws(c, out);
}

fn emit_string(s: &str, c: &mut Choices, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        let must = ch < ' ' || ch == '"' || ch == '\\';
        match (must, c.next(4)) {
            (false, 0..=2) => out.push(ch),
            (true, 0) if matches!(ch, '"' | '\\' | '\n' | '\t') => {
                out.push('\\');
                out.push(match ch {
                    '\n' => 'n',
                    '\t' => 't',
                    other => other,
                });
            }
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
    out.push('"');
}

fn text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        2 => proptest::char::range('a', 'z'),
        1 => Just('\u{2028}'),
        1 => Just('\u{2029}'),
        1 => Just('\u{85}'),
        1 => Just('\n'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('\u{1f600}'),
        1 => Just('\u{1}'),
    ];
    proptest::collection::vec(ch, 0..8).prop_map(String::from_iter)
}

fn number() -> impl Strategy<Value = Value> {
    "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,8})?([eE][+-]?[0-9]{1,3})?"
        .prop_map(|text| Value::Number(serde_json::from_str(&text).expect("a JSON number")))
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("requestMeta".to_owned()),
        Just("data".to_owned()),
        Just("phone".to_owned()),
        Just("items".to_owned()),
        text(),
    ]
}

fn object(entries: impl Strategy<Value = Vec<(String, Value)>>) -> impl Strategy<Value = Value> {
    entries.prop_map(|entries| Value::Object(entries.into_iter().collect()))
}

/// A `requestMeta`: usually an object with a phone, sometimes any value.
fn meta() -> impl Strategy<Value = Value> {
    let phone = prop_oneof![
        Just(Value::String(PHONE.to_owned())),
        text().prop_map(Value::String),
        number(),
        any_json(),
    ];
    prop_oneof![
        3 => (phone, proptest::collection::vec((key(), any_json()), 0..3)).prop_map(
            |(phone, mut rest)| {
                rest.push(("phone".to_owned(), phone));
                Value::Object(rest.into_iter().collect())
            }
        ),
        1 => any_json(),
    ]
}

/// A payload in the provider's shapes, or any value at all.
fn payload() -> impl Strategy<Value = Value> {
    let data = prop_oneof![
        3 => (meta(), proptest::collection::vec((key(), any_json()), 0..3)).prop_map(
            |(meta, mut rest)| {
                rest.push(("requestMeta".to_owned(), meta));
                Value::Object(rest.into_iter().collect())
            }
        ),
        1 => any_json(),
    ];
    prop_oneof![
        2 => (data, proptest::collection::vec((key(), any_json()), 0..3)).prop_map(
            |(data, mut rest)| {
                rest.push(("data".to_owned(), data));
                Value::Object(rest.into_iter().collect())
            }
        ),
        2 => (meta(), proptest::collection::vec((key(), any_json()), 0..3)).prop_map(
            |(meta, mut rest)| {
                rest.push(("requestMeta".to_owned(), meta));
                Value::Object(rest.into_iter().collect())
            }
        ),
        1 => object(proptest::collection::vec((key(), any_json()), 0..4)),
        1 => any_json(),
    ]
}

fn masking() -> impl Strategy<Value = PhoneMasking> {
    prop_oneof![
        Just(PhoneMasking::Remove),
        Just(PhoneMasking::Keep),
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(|salt| PhoneMasking::Hash { salt }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_payload_is_one_line_of_its_own_value_masked(
        value in payload(),
        seed in any::<u64>(),
        masking in masking(),
    ) {
        let mut text = String::new();
        emit(&value, &mut Choices(seed | 1), &mut text);
        // The emitted text is the value (a check of the test's own emitter).
        prop_assert_eq!(&serde_json::from_str::<Value>(&text).expect("json"), &value);
        let mut out = Vec::new();
        write(&mut out, &text, &masking).expect("valid JSON is written");
        let line = String::from_utf8(out).expect("utf-8");
        assert_one_line(&line);
        let logged: Value = serde_json::from_str(&line).expect("the line is JSON");
        prop_assert_eq!(logged, reference(&value, &masking));
        // Compact: writing the line again changes nothing.
        if masking == PhoneMasking::Keep {
            let mut again = Vec::new();
            write(&mut again, &line, &PhoneMasking::Keep).expect("json");
            prop_assert_eq!(again, line.as_bytes());
        }
    }

    #[test]
    fn text_is_accepted_exactly_when_serde_json_accepts_it(
        text in "[\\[\\]{}:,\" 0-9a-zeEu.+\\-\\\\\n\t]{0,24}",
    ) {
        let ours = write(&mut Vec::new(), &text, &PhoneMasking::Keep);
        let serde = serde_json::from_str::<&serde_json::value::RawValue>(&text);
        prop_assert_eq!(ours.is_ok(), serde.is_ok(), "{:?}: {:?}", text, ours);
    }
}
