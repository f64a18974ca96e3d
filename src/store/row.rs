//! Rows written from and read into serde structs by column name. A table whose columns grow
//! (the turns) is then named once, in its structs: the insert binds every field as `:field`, and a
//! row fills the fields its columns name, so no column list or position has to follow.

use anyhow::{Result, bail};
use rusqlite::types::{Type, Value as SqlValue, ValueRef};
use rusqlite::{Connection, Row, ToSql};
use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Inserts `record` into `table`, one column per field of the same name; returns the row id.
pub(super) fn insert(conn: &Connection, table: &str, record: &impl Serialize) -> Result<i64> {
    let Value::Object(fields) = serde_json::to_value(record)? else {
        bail!("a row of {table} must be a struct");
    };
    let columns: Vec<&str> = fields.keys().map(String::as_str).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES (:{})",
        columns.join(", "),
        columns.join(", :")
    );
    let names: Vec<String> = columns.iter().map(|c| format!(":{c}")).collect();
    let values: Vec<SqlValue> = fields.values().map(sql_value).collect();
    let params: Vec<(&str, &dyn ToSql)> = names
        .iter()
        .zip(&values)
        .map(|(name, value)| (name.as_str(), value as &dyn ToSql))
        .collect();
    conn.prepare_cached(&sql)?.execute(params.as_slice())?;
    Ok(conn.last_insert_rowid())
}

/// Reads a row into `T` by column name; columns no field names are left out.
pub(super) fn read<T: DeserializeOwned>(row: &Row) -> rusqlite::Result<T> {
    let statement: &rusqlite::Statement = row.as_ref();
    let mut fields = serde_json::Map::new();
    for (i, name) in statement.column_names().enumerate() {
        fields.insert(name.to_string(), json_value(row.get_ref(i)?));
    }
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, Type::Null, Box::new(e)))
}

/// A boolean column, stored as 0 or 1 like rusqlite binds it; for `deserialize_with`.
pub(super) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(d)? != 0)
}

/// A field as rusqlite would have bound the Rust value: booleans as 0 or 1.
fn sql_value(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

fn json_value(value: ValueRef) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::from(String::from_utf8_lossy(t)),
    }
}
