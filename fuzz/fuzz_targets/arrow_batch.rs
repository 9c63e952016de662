//! Arrow batches of applications → `underwrite_arrow::decide_batch` with `rules/starter.yaml`.
//! Besides "no panic, not even a caught one":
//!
//! * the output has the input's rows and `output_schema`'s schema;
//! * every row has exactly one of a decision and an error;
//! * a row built from a line `Application::from_json` accepts is decided as that line is by
//!   `Application::decide` (what `underwrite batch` runs): the same decision, score and reason
//!   codes, or an error with the same message.
//!
//! Input: the first byte picks the column layouts (utf8, large_utf8, utf8_view, binary, ...)
//! and, from 128 on, an int64 id column (the lines' integer ids) instead of a text one;
//! the rest is JSON Lines. A line that is an object with `signals` gives a row of its parts'
//! exact text (`id` when it is a string); any other line goes into the signals column as it is,
//! so cells that are not JSON, not UTF-8 or empty are exercised too. Seeds:
//! `testdata/applications.jsonl`.
#![no_main]

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int8Type};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BinaryViewArray, Int64Array, LargeBinaryArray,
    LargeStringArray, RecordBatch, StringArray, StringViewArray,
};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;
use underwrite_arrow::{decide_batch, output_schema, Columns};
use underwrite_core::application::{Application, ApplicationError};
use underwrite_core::policy::{DecideOptions, Policy};

const STARTER: &str = include_str!("../../rules/starter.yaml");
/// Above `underwrite-arrow`'s 64 rows per task, so rows are split across tasks and reassembled.
const MAX_ROWS: usize = 300;

fn starter() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(STARTER.as_bytes()).expect("starter policy loads"))
}

struct Row<'a> {
    /// The line, when batch's result for it is the row's to equal: an application it reads,
    /// or one it refuses for its id.
    line: Option<&'a str>,
    id: Option<&'a [u8]>,
    /// The id as an integer, for an integer id column.
    number: Option<i64>,
    signals: Option<&'a [u8]>,
    kyc: Option<&'a [u8]>,
}

fn row(line: &[u8]) -> Row<'_> {
    let raw = || -> Option<Row<'_>> {
        let text = std::str::from_utf8(line).ok()?;
        let parts: HashMap<&str, &RawValue> = serde_json::from_str(text).ok()?;
        let signals = parts.get("signals")?.get().as_bytes();
        let number = parts.get("id").and_then(|r| r.get().parse::<i64>().ok());
        let id = parts.get("id").map(|r| r.get()).filter(|id| id.starts_with('"'));
        // The id column holds the string's value; the line holds it quoted.
        let id = id.and_then(|quoted| {
            let unquoted: String = serde_json::from_str(quoted).ok()?;
            // Only when the value is exactly the text between the quotes (no escapes).
            (quoted[1..quoted.len() - 1] == unquoted).then(|| quoted[1..quoted.len() - 1].as_bytes())
        });
        let comparable = matches!(
            Application::from_json(text),
            Ok(_) | Err(ApplicationError::BadId)
        );
        Some(Row {
            line: comparable.then_some(text),
            id,
            number,
            signals: Some(signals),
            // `null` stays in the cell: a JSON null KYC is no KYC in both paths.
            kyc: parts.get("kyc").map(|r| r.get().as_bytes()),
        })
    };
    raw().unwrap_or(Row {
        line: None,
        id: None,
        number: None,
        signals: (!line.is_empty()).then_some(line),
        kyc: None,
    })
}

fn column(cells: &[Option<&[u8]>], layout: u8) -> ArrayRef {
    let text = || -> Option<Vec<Option<&str>>> {
        cells
            .iter()
            .map(|c| c.map(std::str::from_utf8).transpose().ok())
            .collect()
    };
    match (layout % 6, text()) {
        (0, Some(t)) => Arc::new(StringArray::from(t)),
        (1, Some(t)) => Arc::new(LargeStringArray::from(t)),
        (2, Some(t)) => Arc::new(StringViewArray::from(t)),
        (3, _) | (0..=2, None) => Arc::new(BinaryArray::from(cells.to_vec())),
        (4, _) => Arc::new(LargeBinaryArray::from(cells.to_vec())),
        _ => Arc::new(BinaryViewArray::from(cells.to_vec())),
    }
}

/// A row's result in comparable terms.
type Result = std::result::Result<(String, Option<i64>, Vec<String>), String>;

fn by_batch(line: &str) -> Result {
    let app = Application::from_json(line).map_err(|e| e.to_string())?;
    let d = app
        .decide(starter(), DecideOptions { trace: false })
        .map_err(|e| e.to_string())?
        .decision;
    Ok((
        d.decision.as_str().to_string(),
        d.score,
        d.reason_codes().iter().map(|c| c.to_string()).collect(),
    ))
}

fuzz_target!(|data: &[u8]| {
    let Some((&layout, text)) = data.split_first() else {
        return;
    };
    let mut rows: Vec<Row<'_>> = text.split(|&b| b == b'\n').take(MAX_ROWS).map(row).collect();
    // Half the inputs get an integer id column: rows whose line has another kind of id are
    // then not comparable with batch (their id is not in the batch).
    let integer_ids = layout >= 128;
    let id_column: ArrayRef = if integer_ids {
        for r in &mut rows {
            let same_id = match r.line.and_then(|l| Application::from_json(l).ok()) {
                Some(app) => app.id_json().is_none_or(|id| id.parse::<i64>().ok() == r.number),
                None => false,
            };
            if !same_id {
                r.line = None;
            }
        }
        Arc::new(Int64Array::from(rows.iter().map(|r| r.number).collect::<Vec<_>>()))
    } else {
        let ids: Vec<Option<&[u8]>> = rows.iter().map(|r| r.id).collect();
        column(&ids, layout)
    };
    let signals: Vec<Option<&[u8]>> = rows.iter().map(|r| r.signals).collect();
    let kycs: Vec<Option<&[u8]>> = rows.iter().map(|r| r.kyc).collect();
    let batch = RecordBatch::try_from_iter([
        ("id", id_column),
        ("signals", column(&signals, layout / 6)),
        ("kyc", column(&kycs, layout / 36)),
    ])
    .expect("three columns of one length");
    let columns = Columns {
        signals: "signals",
        kyc: Some("kyc"),
        id: Some("id"),
    };
    let decided = decide_batch(starter(), &batch, columns).expect("the columns are well formed");
    assert_eq!(decided.num_rows(), rows.len());
    assert_eq!(
        decided.schema(),
        output_schema(batch.schema_ref(), columns).expect("same schema")
    );

    let error = decided.column_by_name("error").expect("error").as_string::<i32>();
    let decision = decided
        .column_by_name("decision")
        .expect("decision")
        .as_dictionary::<Int8Type>();
    let values = decision.values().as_string::<i32>();
    let score = decided
        .column_by_name("score")
        .expect("score")
        .as_primitive::<Int32Type>();
    let reasons = decided
        .column_by_name("reason_codes")
        .expect("reason_codes")
        .as_list::<i32>();
    for (i, row) in rows.iter().enumerate() {
        assert_ne!(error.is_valid(i), decision.is_valid(i), "row {i}");
        assert_eq!(decision.is_valid(i), reasons.is_valid(i), "row {i}");
        // A panic, even one the row catches, aborts the run: libfuzzer-sys's panic hook aborts
        // before unwinding, so no message needs reading for it.
        let got: Result = if error.is_valid(i) {
            Err(error.value(i).to_string())
        } else {
            let codes = reasons.value(i);
            Ok((
                values.value(decision.keys().value(i) as usize).to_string(),
                score.is_valid(i).then(|| i64::from(score.value(i))),
                codes
                    .as_string::<i32>()
                    .iter()
                    .map(|c| c.unwrap_or_default().to_string())
                    .collect(),
            ))
        };
        if let Some(line) = row.line {
            assert_eq!(got, by_batch(line), "row {i}: {line}");
        }
    }
});
