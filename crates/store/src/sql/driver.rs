//! What the SQL store asks of a sqlx database, stated once: binding and reading the few Rust
//! types the schema uses, and running a query on a connection.
//!
//! sqlx states these as bounds on the value types (`i64: Encode<'q, DB>`, `&mut
//! DB::Connection: Executor`), and Rust does not carry bounds like those from a trait to the
//! code that uses it: every generic store function would repeat them. Restated here as
//! capabilities of the database type itself, which Rust does carry, every function of the
//! store needs only `D: Driver`. Both SQLite and PostgreSQL have them through the blanket
//! implementations below; nothing here is written per backend.

use crate::codec::db_err;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};
use std::future::Future;
use std::pin::Pin;
use switchboard_core::store::{StoreError, StoreResult};

/// A query with its bound values.
pub type Query<'q, D> = sqlx::query::Query<'q, D, <D as Database>::Arguments<'q>>;

/// A query running on a connection.
pub type Running<'c, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

/// The database can bind a `T` to a query.
pub trait Bind<'q, T>: Database {
    fn bind_value(q: Query<'q, Self>, value: T) -> Query<'q, Self>;
}

impl<'q, D: Database, T: 'q + Encode<'q, D> + Type<D>> Bind<'q, T> for D {
    fn bind_value(q: Query<'q, Self>, value: T) -> Query<'q, Self> {
        q.bind(value)
    }
}

/// The database can read a `T` from a named column.
pub trait Read<T>: Database {
    fn read(row: &Self::Row, column: &str) -> Result<T, sqlx::Error>;
}

impl<D: Database, T> Read<T> for D
where
    T: for<'r> Decode<'r, D> + Type<D>,
    for<'n> &'n str: ColumnIndex<D::Row>,
{
    fn read(row: &D::Row, column: &str) -> Result<T, sqlx::Error> {
        row.try_get(column)
    }
}

/// Everything the store does with a database: the types of its columns, and running a query.
pub trait Driver:
    Database
    + for<'q> Bind<'q, i64>
    + for<'q> Bind<'q, Option<i64>>
    + for<'q> Bind<'q, bool>
    + for<'q> Bind<'q, &'q str>
    + for<'q> Bind<'q, Option<&'q str>>
    + for<'q> Bind<'q, String>
    + for<'q> Bind<'q, Option<String>>
    + for<'q> Bind<'q, &'q [u8]>
    + Read<i64>
    + Read<Option<i64>>
    + Read<bool>
    + Read<String>
    + Read<Option<String>>
    + Read<Vec<u8>>
{
    fn run<'q: 'c, 'c>(q: Query<'q, Self>, c: &'c mut Self::Connection) -> Running<'c, ()>;
    fn fetch_all<'q: 'c, 'c>(
        q: Query<'q, Self>,
        c: &'c mut Self::Connection,
    ) -> Running<'c, Vec<Self::Row>>;
    fn fetch_optional<'q: 'c, 'c>(
        q: Query<'q, Self>,
        c: &'c mut Self::Connection,
    ) -> Running<'c, Option<Self::Row>>;
}

impl<D> Driver for D
where
    D: Database
        + for<'q> Bind<'q, i64>
        + for<'q> Bind<'q, Option<i64>>
        + for<'q> Bind<'q, bool>
        + for<'q> Bind<'q, &'q str>
        + for<'q> Bind<'q, Option<&'q str>>
        + for<'q> Bind<'q, String>
        + for<'q> Bind<'q, Option<String>>
        + for<'q> Bind<'q, &'q [u8]>
        + Read<i64>
        + Read<Option<i64>>
        + Read<bool>
        + Read<String>
        + Read<Option<String>>
        + Read<Vec<u8>>,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
{
    fn run<'q: 'c, 'c>(q: Query<'q, Self>, c: &'c mut Self::Connection) -> Running<'c, ()> {
        Box::pin(async move { q.execute(c).await.map(|_| ()) })
    }

    fn fetch_all<'q: 'c, 'c>(
        q: Query<'q, Self>,
        c: &'c mut Self::Connection,
    ) -> Running<'c, Vec<Self::Row>> {
        Box::pin(q.fetch_all(c))
    }

    fn fetch_optional<'q: 'c, 'c>(
        q: Query<'q, Self>,
        c: &'c mut Self::Connection,
    ) -> Running<'c, Option<Self::Row>> {
        Box::pin(q.fetch_optional(c))
    }
}

/// One statement, written once in the SQL both databases accept (`$1`-style placeholders).
pub struct Sql<'q, D: Database>(Query<'q, D>);

/// `($1, $2, …), (…)`: the placeholders of a multi-row `VALUES` of `rows` rows of `cols`
/// columns, numbered row after row; they must be the statement's only placeholders.
///
/// On SQLite they are written `(?, ?, …)`, which SQLite numbers the same way. A numbered
/// placeholder is a name to SQLite: preparing the statement looks each one up among the names
/// before it, and sqlx asks the name of every parameter when it binds, each a walk of that
/// list. Both are quadratic in the number of placeholders, and a group's statement has over a
/// thousand (a tenth of the server's time under load went there).
pub fn values<D: Database>(rows: usize, cols: usize) -> String {
    let anonymous = D::NAME == "SQLite";
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols)
                .map(|c| match anonymous {
                    true => "?".to_owned(),
                    false => format!("${}", r * cols + c),
                })
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Starts a statement.
pub fn sql<D: Database>(text: &str) -> Sql<'_, D> {
    Sql(sqlx::query(text))
}

impl<'q, D: Driver> Sql<'q, D> {
    /// Binds the next placeholder.
    pub fn bind<T>(self, value: T) -> Self
    where
        D: Bind<'q, T>,
    {
        Sql(<D as Bind<'q, T>>::bind_value(self.0, value))
    }

    /// Runs it, ignoring any rows.
    pub async fn run<'c>(self, c: &'c mut D::Connection) -> StoreResult<()>
    where
        'q: 'c,
    {
        D::run(self.0, c).await.map_err(db_err)
    }

    /// All the rows it returns.
    pub async fn all<'c>(self, c: &'c mut D::Connection) -> StoreResult<Vec<D::Row>>
    where
        'q: 'c,
    {
        D::fetch_all(self.0, c).await.map_err(db_err)
    }

    /// The first row, if any.
    pub async fn optional<'c>(self, c: &'c mut D::Connection) -> StoreResult<Option<D::Row>>
    where
        'q: 'c,
    {
        D::fetch_optional(self.0, c).await.map_err(db_err)
    }

    /// The first row; [`StoreError::NotFound`] when there is none.
    pub async fn one<'c>(self, c: &'c mut D::Connection) -> StoreResult<D::Row>
    where
        'q: 'c,
    {
        self.optional(c).await?.ok_or(StoreError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_number_placeholders_row_after_row() {
        use super::values;
        use sqlx::{Postgres, Sqlite};
        assert_eq!(values::<Postgres>(1, 2), "($1, $2)");
        assert_eq!(values::<Postgres>(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values::<Sqlite>(2, 2), "(?, ?), (?, ?)");
    }
}
