//! Reports as tables: one model, rendered as aligned text for the terminal and as CSV for
//! spreadsheets (the caller writes the files). Cells keep their type so each rendering formats
//! them its own way: a rate reads `61.2%` on a terminal and `0.612` in a spreadsheet.

mod build;

pub use build::{backtest, compare};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A count.
    Count(u64),
    /// A whole number (a score).
    Int(i64),
    /// A rate or share (`None`: undefined, e.g. nothing labelled).
    Rate(Option<f64>),
    /// A difference of two rates (shown in percentage points).
    RateDelta(Option<f64>),
    /// Another statistic (KS, AUC, PSI, odds).
    Number(Option<f64>),
}

impl Cell {
    /// The cell for people: rates as percentages with one decimal, `–` for undefined.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Int(n) => n.to_string(),
            Cell::Rate(Some(r)) => format!("{:.1}%", r * 100.0),
            Cell::RateDelta(Some(d)) => format!("{:+.1} pp", d * 100.0),
            Cell::Number(Some(x)) => format!("{x:.3}"),
            Cell::Rate(None) | Cell::RateDelta(None) | Cell::Number(None) => "–".to_string(),
        }
    }

    /// The cell for machines: full precision, empty for undefined.
    pub fn raw(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Int(n) => n.to_string(),
            Cell::Rate(Some(x)) | Cell::RateDelta(Some(x)) | Cell::Number(Some(x)) => x.to_string(),
            Cell::Rate(None) | Cell::RateDelta(None) | Cell::Number(None) => String::new(),
        }
    }

    /// Whether the cell is a number (right-aligned in text).
    pub fn is_numeric(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// A file-name-safe name (`strategy_champion`): the CSV file's stem.
    pub name: String,
    /// The title people read.
    pub title: String,
    /// Column headers.
    pub columns: Vec<&'static str>,
    /// Rows of cells, one per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(name: impl Into<String>, title: impl Into<String>, columns: &[&'static str]) -> Table {
        Table {
            name: name.into(),
            title: title.into(),
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// The table as aligned text, its title first.
    pub fn to_text(&self) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::display).collect())
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                cells
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| c.chars().count())
                    .chain([self.columns[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = format!("{}\n", self.title);
        let header: Vec<String> = self
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(&format!("  {}\n", header.join("  ").trim_end()));
        for (row, typed) in cells.iter().zip(&self.rows) {
            let line: Vec<String> = row
                .iter()
                .zip(typed)
                .zip(&widths)
                .map(|((text, cell), w)| {
                    if cell.is_numeric() {
                        format!("{text:>w$}")
                    } else {
                        format!("{text:<w$}")
                    }
                })
                .collect();
            out.push_str(&format!("  {}\n", line.join("  ").trim_end()));
        }
        out
    }
}
