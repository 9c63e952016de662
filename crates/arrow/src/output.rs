//! The five output columns: their schema and their arrays, built in one pass over the rows.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, Int8Array, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use underwrite_core::policy::Outcome;

use crate::columns::OUTPUT_COLUMNS;
use crate::row::RowOutcome;

/// The dictionary of the `decision` column; a key is an index into it.
const OUTCOMES: [Outcome; 3] = [Outcome::Approve, Outcome::Review, Outcome::Reject];

/// `input`'s fields followed by the output columns.
pub(crate) fn schema(input: &Schema) -> SchemaRef {
    let mut fields: Vec<Arc<Field>> = input.fields().iter().cloned().collect();
    fields.extend(
        [
            Field::new(
                OUTPUT_COLUMNS[0],
                DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
                true,
            ),
            Field::new(OUTPUT_COLUMNS[1], DataType::Int32, true),
            Field::new(
                OUTPUT_COLUMNS[2],
                DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
                true,
            ),
            Field::new(OUTPUT_COLUMNS[3], DataType::Utf8, false),
            Field::new(OUTPUT_COLUMNS[4], DataType::Utf8, true),
        ]
        .map(Arc::new),
    );
    Arc::new(Schema::new_with_metadata(fields, input.metadata().clone()))
}

/// The output arrays for `rows`, in [`OUTPUT_COLUMNS`] order.
pub(crate) fn columns(rows: &[RowOutcome<'_>], policy_sha256: &str) -> [ArrayRef; 5] {
    let keys: Int8Array = rows
        .iter()
        .map(|row| row.as_ref().ok().map(|d| outcome_key(d.outcome)))
        .collect();
    let values = Arc::new(StringArray::from_iter_values(
        OUTCOMES.iter().map(|o| o.as_str()),
    ));
    // Keys are 0..3 by construction, so the dictionary is always valid.
    let decision = DictionaryArray::<Int8Type>::new(keys, values);

    let score: Int32Array = rows
        .iter()
        .map(|row| row.as_ref().ok().and_then(|d| d.score))
        .collect();

    let mut reasons = ListBuilder::with_capacity(StringBuilder::new(), rows.len());
    for row in rows {
        match row {
            Ok(decided) => {
                for code in &decided.reason_codes {
                    reasons.values().append_value(code);
                }
                reasons.append(true);
            }
            Err(_) => reasons.append(false),
        }
    }

    let sha = StringArray::from_iter_values(std::iter::repeat_n(policy_sha256, rows.len()));
    let error: StringArray = rows
        .iter()
        .map(|row| row.as_ref().err().map(ToString::to_string))
        .collect();

    [
        Arc::new(decision),
        Arc::new(score),
        Arc::new(reasons.finish()),
        Arc::new(sha),
        Arc::new(error),
    ]
}

fn outcome_key(outcome: Outcome) -> i8 {
    match outcome {
        Outcome::Approve => 0,
        Outcome::Review => 1,
        Outcome::Reject => 2,
    }
}
