//! `decide_batch` against `Application::decide` (what `underwrite batch` runs), row by row, over
//! generated applications in every text layout; and every column and cell failure.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int8Type;
use arrow_array::{
    Array, ArrayRef, BinaryArray, BinaryViewArray, Float64Array, Int64Array, LargeBinaryArray,
    LargeStringArray, RecordBatch, StringArray, StringViewArray, UInt32Array,
};
use proptest::prelude::*;
use serde_json::Value;
use underwrite_arrow::{decide_batch, output_schema, ColumnError, Columns, OUTPUT_COLUMNS};
use underwrite_core::application::Application;
use underwrite_core::policy::{DecideOptions, Policy};

fn policy(name: &str) -> Policy {
    let path = format!("{}/../../rules/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect("shipped policy");
    Policy::load(&bytes).expect("shipped policy loads")
}

/// A generated application as batch reads it, and as the three columns hold it.
struct Row {
    line: String,
    id: Option<String>,
    signals: Option<String>,
    kyc: Option<String>,
}

/// Generated lines whose envelope is JSON with `signals` (some are malformed on purpose: those
/// that are not even JSON have no columns to put in a batch and are left out).
fn rows(count: u64) -> Vec<Row> {
    (0..count)
        .filter_map(|i| {
            let mut value: Value = serde_json::from_str(&underwrite_gen::application(7, i)).ok()?;
            let object = value.as_object_mut()?;
            object.remove("outcome");
            let signals = object.get("signals")?.to_string();
            let kyc = object.get("kyc").map(Value::to_string);
            let id = object.get("id").and_then(Value::as_str).map(str::to_string);
            Some(Row {
                line: value.to_string(),
                id,
                signals: Some(signals),
                kyc,
            })
        })
        .collect()
}

/// What `underwrite batch` gives a line: (decision, score, reason codes) or the error message.
type Expected = Result<(String, Option<i64>, Vec<String>), String>;

fn batch_decides(policy: &Policy, line: &str) -> Expected {
    let app = Application::from_json(line).map_err(|e| e.to_string())?;
    let decision = app
        .decide(policy, DecideOptions { trace: false })
        .map_err(|e| e.to_string())?
        .decision;
    Ok((
        decision.decision.as_str().to_string(),
        decision.score,
        decision
            .reason_codes()
            .iter()
            .map(|c| c.to_string())
            .collect(),
    ))
}

/// Row `i` of a decided batch, in the same terms.
fn row_of(decided: &RecordBatch, i: usize) -> Expected {
    let error = decided.column_by_name("error").unwrap().as_string::<i32>();
    let decision = decided
        .column_by_name("decision")
        .unwrap()
        .as_dictionary::<Int8Type>();
    let score = decided
        .column_by_name("score")
        .unwrap()
        .as_primitive::<arrow_array::types::Int32Type>();
    let reasons = decided
        .column_by_name("reason_codes")
        .unwrap()
        .as_list::<i32>();
    if error.is_valid(i) {
        assert!(decision.is_null(i) && score.is_null(i) && reasons.is_null(i));
        return Err(error.value(i).to_string());
    }
    let values = decision.values().as_string::<i32>();
    let key = decision.keys().value(i) as usize;
    let codes = reasons.value(i);
    let codes = codes.as_string::<i32>();
    Ok((
        values.value(key).to_string(),
        score.is_valid(i).then(|| i64::from(score.value(i))),
        codes
            .iter()
            .map(|c| c.unwrap_or_default().to_string())
            .collect(),
    ))
}

/// The text layouts a column can have.
#[derive(Debug, Clone, Copy)]
enum Layout {
    Utf8,
    LargeUtf8,
    Utf8View,
    Binary,
    LargeBinary,
    BinaryView,
}

const LAYOUTS: [Layout; 6] = [
    Layout::Utf8,
    Layout::LargeUtf8,
    Layout::Utf8View,
    Layout::Binary,
    Layout::LargeBinary,
    Layout::BinaryView,
];

fn text_column(cells: &[Option<String>], layout: Layout) -> ArrayRef {
    let strs: Vec<Option<&str>> = cells.iter().map(Option::as_deref).collect();
    let bytes: Vec<Option<&[u8]>> = strs.iter().map(|c| c.map(str::as_bytes)).collect();
    match layout {
        Layout::Utf8 => Arc::new(StringArray::from(strs)),
        Layout::LargeUtf8 => Arc::new(LargeStringArray::from(strs)),
        Layout::Utf8View => Arc::new(StringViewArray::from(strs)),
        Layout::Binary => Arc::new(BinaryArray::from(bytes)),
        Layout::LargeBinary => Arc::new(LargeBinaryArray::from(bytes)),
        Layout::BinaryView => Arc::new(BinaryViewArray::from(bytes)),
    }
}

fn batch_of(rows: &[Row], layout: Layout) -> RecordBatch {
    let ids: Vec<Option<String>> = rows.iter().map(|r| r.id.clone()).collect();
    let signals: Vec<Option<String>> = rows.iter().map(|r| r.signals.clone()).collect();
    let kycs: Vec<Option<String>> = rows.iter().map(|r| r.kyc.clone()).collect();
    RecordBatch::try_from_iter([
        ("id", text_column(&ids, layout)),
        ("signals", text_column(&signals, layout)),
        ("kyc", text_column(&kycs, layout)),
    ])
    .unwrap()
}

const ALL: Columns<'static> = Columns {
    signals: "signals",
    kyc: Some("kyc"),
    id: Some("id"),
};

#[test]
fn every_row_is_decided_as_batch_decides_its_line_in_every_layout() {
    for name in ["starter.yaml", "challenger.yaml"] {
        let policy = policy(name);
        let rows = rows(1500);
        let expected: Vec<Expected> = rows
            .iter()
            .map(|r| batch_decides(&policy, &r.line))
            .collect();
        let failures = expected.iter().filter(|e| e.is_err()).count();
        assert!(
            failures > 0,
            "the generated lines include refused applications"
        );
        assert!(failures < rows.len() / 20);
        for layout in LAYOUTS {
            let decided = decide_batch(&policy, &batch_of(&rows, layout), ALL).unwrap();
            assert_eq!(decided.num_rows(), rows.len());
            let sha = decided
                .column_by_name("policy_sha256")
                .unwrap()
                .as_string::<i32>();
            for (i, want) in expected.iter().enumerate() {
                assert_eq!(
                    &row_of(&decided, i),
                    want,
                    "{name} {layout:?} row {i}: {}",
                    rows[i].line
                );
                assert_eq!(sha.value(i), policy.id().hash);
            }
        }
    }
}

#[test]
fn input_columns_pass_through_and_the_schema_is_documented() {
    let policy = policy("starter.yaml");
    let batch = batch_of(&rows(10), Layout::Utf8);
    let decided = decide_batch(&policy, &batch, ALL).unwrap();
    for (i, column) in batch.columns().iter().enumerate() {
        assert_eq!(decided.column(i).to_data(), column.to_data());
    }
    let names: Vec<&str> = decided
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(
        names,
        [
            "id",
            "signals",
            "kyc",
            "decision",
            "score",
            "reason_codes",
            "policy_sha256",
            "error"
        ]
    );
    assert_eq!(
        output_schema(batch.schema_ref(), ALL).unwrap(),
        decided.schema()
    );
    let empty = decide_batch(&policy, &batch.slice(0, 0), ALL).unwrap();
    assert_eq!(empty.num_rows(), 0);
    assert_eq!(empty.schema(), decided.schema());
}

fn one_column(name: &str, array: ArrayRef) -> RecordBatch {
    RecordBatch::try_from_iter([(name, array)]).unwrap()
}

#[test]
fn a_batch_of_the_wrong_shape_is_refused_before_any_row_is_decided() {
    let policy = policy("starter.yaml");
    let signals: ArrayRef = Arc::new(StringArray::from(vec!["{}"]));

    let err = decide_batch(
        &policy,
        &one_column("payload", signals.clone()),
        Columns::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ColumnError::Missing { .. }));
    assert_eq!(
        err.to_string(),
        "no column `signals` (the batch has: payload)"
    );

    let numbers: ArrayRef = Arc::new(Float64Array::from(vec![1.0]));
    let err = decide_batch(
        &policy,
        &one_column("signals", numbers.clone()),
        Columns::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("column `signals` is Float64; it must hold JSON text"),
        "{err}"
    );

    let both = RecordBatch::try_from_iter([("signals", signals.clone()), ("id", numbers)]).unwrap();
    let err = decide_batch(
        &policy,
        &both,
        Columns {
            id: Some("id"),
            ..Columns::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `id` is Float64; an id column must hold text or integers"
    );

    let err = decide_batch(
        &policy,
        &both,
        Columns {
            kyc: Some("kyc"),
            ..Columns::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, ColumnError::Missing { name, .. } if name == "kyc"));

    let twice =
        RecordBatch::try_from_iter([("signals", signals.clone()), ("signals", signals.clone())])
            .unwrap();
    let err = decide_batch(&policy, &twice, Columns::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the batch has 2 columns named `signals`; rename all but one"
    );

    for clash in OUTPUT_COLUMNS {
        let batch =
            RecordBatch::try_from_iter([("signals", signals.clone()), (clash, signals.clone())])
                .unwrap();
        let err = decide_batch(&policy, &batch, Columns::default()).unwrap_err();
        assert!(
            matches!(&err, ColumnError::Clash { name } if name == clash),
            "{err}"
        );
        assert!(output_schema(batch.schema_ref(), Columns::default()).is_err());
    }
}

fn errors_of(decided: &RecordBatch) -> Vec<Option<String>> {
    decided
        .column_by_name("error")
        .unwrap()
        .as_string::<i32>()
        .iter()
        .map(|e| e.map(str::to_string))
        .collect()
}

#[test]
fn a_bad_cell_is_its_row_s_error_with_batch_s_message_and_the_rest_are_decided() {
    let policy = policy("starter.yaml");
    let good = rows(40)
        .into_iter()
        .find(|r| batch_decides(&policy, &r.line).is_ok())
        .unwrap();
    let long_id = "x".repeat(257);
    let signals: ArrayRef = Arc::new(BinaryArray::from(vec![
        Some(good.signals.as_deref().unwrap().as_bytes()),
        None,
        Some(b"{not json".as_slice()),
        Some(b"\xff\xfe".as_slice()),
        Some(br#"{"code": "OK"}"#.as_slice()),
        Some(good.signals.as_deref().unwrap().as_bytes()),
        Some(good.signals.as_deref().unwrap().as_bytes()),
    ]));
    let kyc: ArrayRef = Arc::new(StringArray::from(vec![
        good.kyc.as_deref(),
        None,
        None,
        None,
        None,
        Some(r#"{"submitted": {}}"#),
        None,
    ]));
    let id: ArrayRef = Arc::new(StringArray::from(vec![
        Some("a"),
        Some("b"),
        None,
        Some("d"),
        Some("e"),
        Some("f"),
        Some(long_id.as_str()),
    ]));
    let batch =
        RecordBatch::try_from_iter([("signals", signals), ("kyc", kyc), ("id", id)]).unwrap();
    let decided = decide_batch(&policy, &batch, ALL).unwrap();
    let errors = errors_of(&decided);
    assert_eq!(errors[0], None);
    assert_eq!(errors[1].as_deref(), Some("`signals` is null"));
    assert!(
        errors[2]
            .as_deref()
            .unwrap()
            .starts_with("`signals` is not JSON: "),
        "{errors:?}"
    );
    assert_eq!(
        errors[3].as_deref(),
        Some("`signals` is not UTF-8 (invalid byte at position 1)")
    );

    // The library's own messages, exactly as batch gives them for the same application.
    let line = |signals: &str, kyc: &str, id: &str| {
        format!(r#"{{"id": {id}, "signals": {signals}, "kyc": {kyc}}}"#)
    };
    let batch_error = |text: String| batch_decides(&policy, &text).unwrap_err();
    assert_eq!(
        errors[4].as_deref(),
        Some(batch_error(line(r#"{"code": "OK"}"#, "null", r#""e""#)).as_str())
    );
    assert_eq!(
        errors[5].as_deref(),
        Some(
            batch_error(line(
                good.signals.as_deref().unwrap(),
                r#"{"submitted": {}}"#,
                r#""f""#
            ))
            .as_str()
        )
    );
    assert_eq!(
        errors[6].as_deref(),
        Some(
            batch_error(line(
                good.signals.as_deref().unwrap(),
                "null",
                &format!("\"{long_id}\"")
            ))
            .as_str()
        )
    );
    assert!(errors[6]
        .as_deref()
        .unwrap()
        .starts_with("`id` must be a string"));
}

#[test]
fn integer_ids_are_ids_and_nulls_are_none() {
    let policy = policy("starter.yaml");
    let good = rows(40)
        .into_iter()
        .find(|r| batch_decides(&policy, &r.line).is_ok())
        .unwrap();
    let signals: ArrayRef = Arc::new(StringArray::from(vec![good.signals.clone(); 3]));
    for id in [
        Arc::new(Int64Array::from(vec![Some(i64::MIN), None, Some(7)])) as ArrayRef,
        Arc::new(UInt32Array::from(vec![Some(u32::MAX), None, Some(0)])) as ArrayRef,
    ] {
        let batch =
            RecordBatch::try_from_iter([("signals", signals.clone()), ("key", id)]).unwrap();
        let decided = decide_batch(
            &policy,
            &batch,
            Columns {
                id: Some("key"),
                ..Columns::default()
            },
        )
        .unwrap();
        assert_eq!(errors_of(&decided), [None, None, None]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Deciding rows together in parallel gives what deciding each alone gives, whatever the
    /// mix of good and broken cells and wherever the batch is sliced.
    #[test]
    fn a_row_s_result_depends_on_that_row_alone(
        picks in proptest::collection::vec((0usize..60, 0u8..6), 1..120),
        offset in 0usize..5,
    ) {
        let policy = policy("challenger.yaml");
        let pool = rows(60);
        let rows: Vec<Row> = picks
            .iter()
            .map(|&(i, damage)| {
                let r = &pool[i % pool.len()];
                let signals = match damage {
                    0 => None,
                    1 => Some("[]".to_string()),
                    2 => r.signals.as_ref().map(|s| s[..s.len() / 2].to_string()),
                    _ => r.signals.clone(),
                };
                let kyc = if damage == 3 { Some("{}".to_string()) } else { r.kyc.clone() };
                Row { line: String::new(), id: r.id.clone(), signals, kyc }
            })
            .collect();
        let batch = batch_of(&rows, Layout::Utf8View);
        let offset = offset.min(batch.num_rows() - 1);
        let sliced = batch.slice(offset, batch.num_rows() - offset);
        let together = decide_batch(&policy, &sliced, ALL).unwrap();
        for i in 0..sliced.num_rows() {
            let alone = decide_batch(&policy, &sliced.slice(i, 1), ALL).unwrap();
            prop_assert_eq!(row_of(&together, i), row_of(&alone, 0));
        }
    }
}

#[test]
fn a_json_null_kyc_is_no_kyc_as_in_a_batch_line() {
    let policy = policy("starter.yaml");
    let good = rows(40)
        .into_iter()
        .find(|r| batch_decides(&policy, &r.line).is_ok())
        .unwrap();
    let signals = good.signals.clone().unwrap();
    let batch = RecordBatch::try_from_iter([
        (
            "signals",
            Arc::new(StringArray::from(vec![signals.clone(); 3])) as ArrayRef,
        ),
        (
            "kyc",
            Arc::new(StringArray::from(vec![Some("null"), Some(" null "), None])) as ArrayRef,
        ),
    ])
    .unwrap();
    let decided = decide_batch(&policy, &batch, ALL_BUT_ID).unwrap();
    let line = format!(r#"{{"signals": {signals}, "kyc": null}}"#);
    let want = batch_decides(&policy, &line);
    assert!(want.is_ok());
    for i in 0..3 {
        assert_eq!(row_of(&decided, i), want, "row {i}");
    }
}

const ALL_BUT_ID: Columns<'static> = Columns {
    signals: "signals",
    kyc: Some("kyc"),
    id: None,
};

/// A JSON array where an object belongs (a KYC request or record read by position, a payload
/// as an array) is its row's error, with the message batch gives the same application; and a
/// row's failures that are a line's read as `LineFailure` writes them.
#[test]
fn arrays_are_never_read_by_position_and_row_errors_are_batch_s() {
    let policy = policy("starter.yaml");
    let good = rows(40)
        .into_iter()
        .find(|r| batch_decides(&policy, &r.line).is_ok())
        .unwrap();
    let signals = good.signals.clone().unwrap();
    let cases: [(&str, Option<&str>); 4] = [
        (
            signals.as_str(),
            Some(r#"{"submitted": ["Joe", null, "Leo"], "authority": null}"#),
        ),
        (
            signals.as_str(),
            Some(r#"[{"first_name": "Joe", "last_name": "Leo"}, null, false]"#),
        ),
        (r#"[200, "OK", "r1", {}]"#, None),
        (
            signals.as_str(),
            Some(r#"{"ResultCode": "1020", "ResultText": "Exact Match", "Actions": ["Verified"]}"#),
        ),
    ];
    let batch = RecordBatch::try_from_iter([
        (
            "signals",
            Arc::new(StringArray::from(
                cases.iter().map(|(s, _)| Some(*s)).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        (
            "kyc",
            Arc::new(StringArray::from(
                cases.iter().map(|(_, k)| *k).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    let decided = decide_batch(
        &policy,
        &batch,
        Columns {
            kyc: Some("kyc"),
            ..Columns::default()
        },
    )
    .unwrap();
    let errors = errors_of(&decided);
    for (i, (signals, kyc)) in cases.iter().enumerate() {
        let line = format!(
            r#"{{"signals": {signals}, "kyc": {}}}"#,
            kyc.unwrap_or("null")
        );
        let expected = batch_decides(&policy, &line).unwrap_err();
        assert_eq!(errors[i].as_deref(), Some(expected.as_str()), "row {i}");
    }
}
