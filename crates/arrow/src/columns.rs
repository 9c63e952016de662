//! The columns: which input columns hold an application's parts ([`Columns`]), the names the
//! output adds ([`OUTPUT_COLUMNS`]), and the input columns found by name, type-checked once
//! ([`ColumnError`] when they are not usable) and read cell by cell in place.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Schema};

/// Which input columns hold the application's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns<'a> {
    /// The signals payloads (required).
    pub signals: &'a str,
    /// The KYC requests or results, if the batch has them.
    pub kyc: Option<&'a str>,
    /// The application ids, if they should be checked as `underwrite batch` checks `id`.
    pub id: Option<&'a str>,
}

impl Default for Columns<'_> {
    /// `signals`, no KYC, no id: the defaults of the Python `decide_arrow`.
    fn default() -> Self {
        Columns {
            signals: "signals",
            kyc: None,
            id: None,
        }
    }
}

/// Why a batch could not be decided at all (a row's own problem is its `error` instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ColumnError {
    /// The named column is not in the batch.
    #[error("no column `{name}` (the batch has: {available})")]
    Missing {
        /// The column asked for.
        name: String,
        /// The batch's columns, comma-separated.
        available: String,
    },
    /// The batch has more than one column of the name asked for.
    #[error("the batch has {count} columns named `{name}`; rename all but one")]
    Duplicate {
        /// The name.
        name: String,
        /// How many columns have it.
        count: usize,
    },
    /// The named column cannot hold JSON text.
    #[error(
        "column `{name}` is {found}; it must hold JSON text (utf8, large_utf8, utf8_view, \
         binary, large_binary or binary_view)"
    )]
    NotText {
        /// The column.
        name: String,
        /// Its Arrow type.
        found: DataType,
    },
    /// The id column is neither text nor integers.
    #[error("column `{name}` is {found}; an id column must hold text or integers")]
    BadIdType {
        /// The column.
        name: String,
        /// Its Arrow type.
        found: DataType,
    },
    /// The batch already has a column the output adds.
    #[error(
        "the batch already has a column `{name}`, which deciding adds; rename or drop it first"
    )]
    Clash {
        /// The clashing column.
        name: String,
    },
    /// Arrow refused to assemble the output (a bug: the columns are built to the schema).
    #[error("cannot assemble the output batch: {0}")]
    Arrow(#[from] ArrowError),
}

/// The columns [`decide_batch`](crate::decide_batch) adds, in order.
pub const OUTPUT_COLUMNS: [&str; 5] = [
    "decision",
    "score",
    "reason_codes",
    "policy_sha256",
    "error",
];

/// The batch's input columns, checked.
pub(crate) struct Inputs<'a> {
    pub signals: TextColumn<'a>,
    pub kyc: Option<TextColumn<'a>>,
    pub id: Option<IdColumn<'a>>,
}

impl<'a> Inputs<'a> {
    /// Find and check the columns `columns` names in `batch`.
    pub fn read(batch: &'a RecordBatch, columns: Columns<'a>) -> Result<Inputs<'a>, ColumnError> {
        check(batch.schema_ref(), columns)?;
        let find = |name: &str| find(batch, name);
        Ok(Inputs {
            signals: TextColumn::new(find(columns.signals)?, columns.signals)?,
            kyc: columns
                .kyc
                .map(|name| TextColumn::new(find(name)?, name))
                .transpose()?,
            id: columns
                .id
                .map(|name| IdColumn::new(find(name)?, name))
                .transpose()?,
        })
    }
}

/// Check `schema` against `columns`: no output column already present, every named column
/// present and of a usable type.
pub(crate) fn check(schema: &Schema, columns: Columns<'_>) -> Result<(), ColumnError> {
    if let Some(clash) = OUTPUT_COLUMNS
        .iter()
        .find(|name| schema.column_with_name(name).is_some())
    {
        return Err(ColumnError::Clash {
            name: (*clash).to_string(),
        });
    }
    let text = [Some(columns.signals), columns.kyc];
    for name in text.into_iter().flatten() {
        let field = field(schema, name)?;
        if !is_text(field) {
            return Err(ColumnError::NotText {
                name: name.to_string(),
                found: field.clone(),
            });
        }
    }
    if let Some(name) = columns.id {
        let field = field(schema, name)?;
        if !is_text(field) && !field.is_integer() {
            return Err(ColumnError::BadIdType {
                name: name.to_string(),
                found: field.clone(),
            });
        }
    }
    Ok(())
}

fn field<'s>(schema: &'s Schema, name: &str) -> Result<&'s DataType, ColumnError> {
    let count = schema.fields().iter().filter(|f| f.name() == name).count();
    if count > 1 {
        return Err(ColumnError::Duplicate {
            name: name.to_string(),
            count,
        });
    }
    schema
        .column_with_name(name)
        .map(|(_, f)| f.data_type())
        .ok_or_else(|| missing(schema, name))
}

fn find<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef, ColumnError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| missing(batch.schema_ref(), name))
}

fn missing(schema: &Schema, name: &str) -> ColumnError {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    ColumnError::Missing {
        name: name.to_string(),
        available: if names.is_empty() {
            "no columns".to_string()
        } else {
            names.join(", ")
        },
    }
}

fn is_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
    )
}

/// A column of JSON text in any of Arrow's six string and binary layouts.
pub(crate) struct TextColumn<'a> {
    name: &'a str,
    cells: TextCells<'a>,
}

enum TextCells<'a> {
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    Utf8View(&'a arrow_array::StringViewArray),
    Binary(&'a arrow_array::BinaryArray),
    LargeBinary(&'a arrow_array::LargeBinaryArray),
    BinaryView(&'a arrow_array::BinaryViewArray),
}

/// Why a text cell cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellError {
    /// The cell is null.
    Null,
    /// A binary cell that is not UTF-8: the 1-based byte position of the first bad byte.
    NotUtf8(usize),
}

impl<'a> TextColumn<'a> {
    fn new(array: &'a ArrayRef, name: &'a str) -> Result<TextColumn<'a>, ColumnError> {
        let cells = match array.data_type() {
            DataType::Utf8 => TextCells::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => TextCells::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => TextCells::Utf8View(array.as_string_view()),
            DataType::Binary => TextCells::Binary(array.as_binary::<i32>()),
            DataType::LargeBinary => TextCells::LargeBinary(array.as_binary::<i64>()),
            DataType::BinaryView => TextCells::BinaryView(array.as_binary_view()),
            other => {
                return Err(ColumnError::NotText {
                    name: name.to_string(),
                    found: other.clone(),
                })
            }
        };
        Ok(TextColumn { name, cells })
    }

    /// The column's name, for messages.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The text of row `index`.
    pub fn text(&self, index: usize) -> Result<&'a str, CellError> {
        let bytes: &'a [u8] = match &self.cells {
            TextCells::Utf8(a) => return cell(*a, index).map(|a| a.value(index)),
            TextCells::LargeUtf8(a) => return cell(*a, index).map(|a| a.value(index)),
            TextCells::Utf8View(a) => return cell(*a, index).map(|a| a.value(index)),
            TextCells::Binary(a) => cell(*a, index)?.value(index),
            TextCells::LargeBinary(a) => cell(*a, index)?.value(index),
            TextCells::BinaryView(a) => cell(*a, index)?.value(index),
        };
        std::str::from_utf8(bytes).map_err(|e| CellError::NotUtf8(e.valid_up_to() + 1))
    }
}

/// `array` when row `index` is not null.
fn cell<A: Array>(array: &A, index: usize) -> Result<&A, CellError> {
    if array.is_null(index) {
        Err(CellError::Null)
    } else {
        Ok(array)
    }
}

/// An id column: text or any integer type.
pub(crate) struct IdColumn<'a> {
    name: &'a str,
    cells: IdCells<'a>,
}

enum IdCells<'a> {
    /// Text ids.
    Text(TextColumn<'a>),
    /// Integer ids (their decimal text is the id's JSON number).
    Integer(&'a ArrayRef),
}

/// One row's id.
pub(crate) enum Id<'a> {
    /// No id (a null cell).
    None,
    /// A text id.
    Text(&'a str),
    /// An integer id, as its decimal text.
    Number(String),
}

impl<'a> IdColumn<'a> {
    fn new(array: &'a ArrayRef, name: &'a str) -> Result<IdColumn<'a>, ColumnError> {
        let cells = if array.data_type().is_integer() {
            IdCells::Integer(array)
        } else {
            TextColumn::new(array, name)
                .map(IdCells::Text)
                .map_err(|_| ColumnError::BadIdType {
                    name: name.to_string(),
                    found: array.data_type().clone(),
                })?
        };
        Ok(IdColumn { name, cells })
    }

    /// Row `index`'s id; a binary id that is not UTF-8 is a [`CellError::NotUtf8`].
    pub fn id(&self, index: usize) -> Result<Id<'a>, CellError> {
        match &self.cells {
            IdCells::Text(column) => match column.text(index) {
                Ok(text) => Ok(Id::Text(text)),
                Err(CellError::Null) => Ok(Id::None),
                Err(e) => Err(e),
            },
            IdCells::Integer(array) if array.is_null(index) => Ok(Id::None),
            IdCells::Integer(array) => Ok(Id::Number(integer_text(array, index))),
        }
    }

    /// The column's name, for messages.
    pub fn name(&self) -> &'a str {
        self.name
    }
}

/// The decimal text of the integer at `index` of an integer array (checked by the caller).
fn integer_text(array: &ArrayRef, index: usize) -> String {
    match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().value(index).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(index).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(index).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(index).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(index).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(index).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(index).to_string(),
        _ => array.as_primitive::<UInt64Type>().value(index).to_string(),
    }
}
