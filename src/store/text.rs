//! The one text-matching rule of civlink, shared by SQLite and PostgreSQL.
//!
//! A name filter matches when the stored name contains the query as an exact, case-sensitive
//! substring after both were normalised to Unicode NFKC (so full-width `ＡＢＣ１２３` matches
//! `ABC123`, and Chinese text compares code point by code point). The query is normalised here;
//! stored names are normalised when written. SQLite's `LIKE` folds ASCII case and PostgreSQL's
//! does not, so neither is used: `instr` (SQLite) and `strpos` (PostgreSQL) both test an exact
//! substring and use no pattern characters, so `%` and `_` in a query are literal.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, DbBackend};
use unicode_normalization::UnicodeNormalization;

/// NFKC-normalises and trims a name or a query.
pub fn normalize(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_owned()
}

/// `column` contains `query` (normalised) as a substring, on either backend.
///
/// No stored name contains U+0000 (PostgreSQL text cannot hold it), so a query with one
/// matches nothing.
pub fn contains(backend: DbBackend, column: impl ColumnTrait, query: &str) -> Expr {
    if query.contains('\0') {
        return Expr::cust("1 = 0");
    }
    let func = match backend {
        DbBackend::Postgres => "strpos",
        _ => "instr",
    };
    Expr::from(Func::cust(func).arg(column.into_expr()).arg(Expr::val(normalize(query)))).gt(0)
}
