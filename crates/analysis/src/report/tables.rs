//! Reports as tables, for the terminal and for CSV.
