//! Queries that run on either engine: `query`, `query_as`, `query_scalar` and a
//! `QueryBuilder`, shaped like sqlx's own so the store reads the same. Arguments are kept
//! until the engine is known, then bound through that driver; rows decode through that
//! driver's `FromRow`/`Decode` (derived row types are generic over the row already).

use std::{borrow::Cow, fmt::Display, marker::PhantomData};

use sqlx::{
    error::BoxDynError,
    postgres::{PgArguments, PgQueryResult, PgRow},
    sqlite::{SqliteArguments, SqliteQueryResult, SqliteRow},
    Arguments, Encode, FromRow, Postgres, Sqlite, Type,
};

use super::engine::{Executor, Target};

/// A value a query binds, encodable by both drivers.
pub trait Arg<'q>: Send + 'q {
    fn add_sqlite(self: Box<Self>, args: &mut SqliteArguments<'q>) -> Result<(), BoxDynError>;
    fn add_postgres(self: Box<Self>, args: &mut PgArguments) -> Result<(), BoxDynError>;
}

impl<'q, T> Arg<'q> for T
where
    T: Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres> + Send + 'q,
{
    fn add_sqlite(self: Box<Self>, args: &mut SqliteArguments<'q>) -> Result<(), BoxDynError> {
        args.add(*self)
    }

    fn add_postgres(self: Box<Self>, args: &mut PgArguments) -> Result<(), BoxDynError> {
        args.add(*self)
    }
}

type Args<'q> = Vec<Box<dyn Arg<'q>>>;

fn sqlite_args(args: Args<'_>) -> Result<SqliteArguments<'_>, sqlx::Error> {
    let mut out = SqliteArguments::default();
    for a in args {
        a.add_sqlite(&mut out).map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

fn postgres_args<'q>(args: Args<'q>) -> Result<PgArguments, sqlx::Error> {
    let mut out = PgArguments::default();
    for a in args {
        a.add_postgres(&mut out).map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// What a statement did: the one figure the store reads from it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

impl From<SqliteQueryResult> for Done {
    fn from(r: SqliteQueryResult) -> Self {
        Self {
            rows_affected: r.rows_affected(),
        }
    }
}

impl From<PgQueryResult> for Done {
    fn from(r: PgQueryResult) -> Self {
        Self {
            rows_affected: r.rows_affected(),
        }
    }
}

/// A statement with its arguments, not yet bound to an engine.
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query<'q> {
    sql: Cow<'q, str>,
    args: Args<'q>,
}

pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql: Cow::Borrowed(sql),
        args: Vec::new(),
    }
}

impl<'q> Query<'q> {
    pub fn bind<T: Arg<'q>>(mut self, value: T) -> Self {
        self.args.push(Box::new(value));
        self
    }

    pub async fn execute<'e, E: Executor<'e>>(self, e: E) -> Result<Done, sqlx::Error> {
        let Query { sql, args } = self;
        match e.target() {
            Target::SqlitePool(p) => sqlx::query_with(&sql, sqlite_args(args)?)
                .execute(p)
                .await
                .map(Done::from),
            Target::Sqlite(c) => sqlx::query_with(&sql, sqlite_args(args)?)
                .execute(c)
                .await
                .map(Done::from),
            Target::PostgresPool(p) => sqlx::query_with(&sql, postgres_args(args)?)
                .execute(p)
                .await
                .map(Done::from),
            Target::Postgres(c) => sqlx::query_with(&sql, postgres_args(args)?)
                .execute(c)
                .await
                .map(Done::from),
        }
    }
}

/// A query whose rows decode into `O` on either engine.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<O> Row for O where O: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

#[must_use = "a query does nothing until it is executed or fetched"]
pub struct QueryAs<'q, O> {
    inner: Query<'q>,
    _row: PhantomData<fn() -> O>,
}

pub fn query_as<O: Row>(sql: &str) -> QueryAs<'_, O> {
    QueryAs {
        inner: query(sql),
        _row: PhantomData,
    }
}

/// Runs `$method` of sqlx's `query_as_with` on whichever target `$e` is.
macro_rules! fetch_rows {
    ($self:ident, $e:ident, $method:ident, $row:ty) => {{
        let Query { sql, args } = $self.inner;
        match $e.target() {
            Target::SqlitePool(p) => {
                sqlx::query_as_with::<_, $row, _>(&sql, sqlite_args(args)?)
                    .$method(p)
                    .await
            }
            Target::Sqlite(c) => {
                sqlx::query_as_with::<_, $row, _>(&sql, sqlite_args(args)?)
                    .$method(c)
                    .await
            }
            Target::PostgresPool(p) => {
                sqlx::query_as_with::<_, $row, _>(&sql, postgres_args(args)?)
                    .$method(p)
                    .await
            }
            Target::Postgres(c) => {
                sqlx::query_as_with::<_, $row, _>(&sql, postgres_args(args)?)
                    .$method(c)
                    .await
            }
        }
    }};
}

impl<'q, O: Row> QueryAs<'q, O> {
    pub(crate) fn from_query(inner: Query<'q>) -> Self {
        Self {
            inner,
            _row: PhantomData,
        }
    }

    pub fn bind<T: Arg<'q>>(mut self, value: T) -> Self {
        self.inner = self.inner.bind(value);
        self
    }

    pub async fn fetch_one<'e, E: Executor<'e>>(self, e: E) -> Result<O, sqlx::Error> {
        fetch_rows!(self, e, fetch_one, O)
    }

    pub async fn fetch_optional<'e, E: Executor<'e>>(self, e: E) -> Result<Option<O>, sqlx::Error> {
        fetch_rows!(self, e, fetch_optional, O)
    }

    pub async fn fetch_all<'e, E: Executor<'e>>(self, e: E) -> Result<Vec<O>, sqlx::Error> {
        fetch_rows!(self, e, fetch_all, O)
    }
}

/// A query whose first column decodes into `O` on either engine.
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct QueryScalar<'q, O> {
    inner: Query<'q>,
    _value: PhantomData<fn() -> O>,
}

pub fn query_scalar<O>(sql: &str) -> QueryScalar<'_, O>
where
    (O,): Row,
{
    QueryScalar {
        inner: query(sql),
        _value: PhantomData,
    }
}

impl<'q, O: Send + Unpin> QueryScalar<'q, O>
where
    (O,): Row,
{
    pub fn bind<T: Arg<'q>>(mut self, value: T) -> Self {
        self.inner = self.inner.bind(value);
        self
    }

    pub async fn fetch_one<'e, E: Executor<'e>>(self, e: E) -> Result<O, sqlx::Error> {
        let row: Result<(O,), sqlx::Error> = fetch_rows!(self, e, fetch_one, (O,));
        row.map(|(v,)| v)
    }

    pub async fn fetch_optional<'e, E: Executor<'e>>(self, e: E) -> Result<Option<O>, sqlx::Error> {
        let row: Result<Option<(O,)>, sqlx::Error> = fetch_rows!(self, e, fetch_optional, (O,));
        row.map(|r| r.map(|(v,)| v))
    }

    pub async fn fetch_all<'e, E: Executor<'e>>(self, e: E) -> Result<Vec<O>, sqlx::Error> {
        let rows: Result<Vec<(O,)>, sqlx::Error> = fetch_rows!(self, e, fetch_all, (O,));
        rows.map(|r| r.into_iter().map(|(v,)| v).collect())
    }
}

/// Builds a statement piece by piece (optional filters, `IN` lists), numbering binds `$n`.
pub struct QueryBuilder<'q> {
    sql: String,
    args: Args<'q>,
}

impl<'q> QueryBuilder<'q> {
    pub fn new(init: impl Into<String>) -> Self {
        Self {
            sql: init.into(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: impl Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.sql, "{sql}");
        self
    }

    pub fn push_bind<T: Arg<'q>>(&mut self, value: T) -> &mut Self {
        self.args.push(Box::new(value));
        let n = self.args.len();
        self.push(format_args!("${n}"))
    }

    pub fn separated(&mut self, separator: &'static str) -> Separated<'_, 'q> {
        Separated {
            builder: self,
            separator,
            first: true,
        }
    }

    /// The statement built so far; the builder is left empty.
    pub fn build(&mut self) -> Query<'q> {
        Query {
            sql: Cow::Owned(std::mem::take(&mut self.sql)),
            args: std::mem::take(&mut self.args),
        }
    }

    pub fn build_query_as<O: Row>(&mut self) -> QueryAs<'q, O> {
        QueryAs {
            inner: self.build(),
            _row: PhantomData,
        }
    }

    pub fn build_query_scalar<O>(&mut self) -> QueryScalar<'q, O>
    where
        (O,): Row,
    {
        QueryScalar {
            inner: self.build(),
            _value: PhantomData,
        }
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }
}

/// A list inside a [`QueryBuilder`]: the separator goes between items.
pub struct Separated<'b, 'q> {
    builder: &'b mut QueryBuilder<'q>,
    separator: &'static str,
    first: bool,
}

impl<'q> Separated<'_, 'q> {
    fn separate(&mut self) {
        if !self.first {
            self.builder.push(self.separator);
        }
        self.first = false;
    }

    pub fn push(&mut self, sql: impl Display) -> &mut Self {
        self.separate();
        self.builder.push(sql);
        self
    }

    pub fn push_bind<T: Arg<'q>>(&mut self, value: T) -> &mut Self {
        self.separate();
        self.builder.push_bind(value);
        self
    }

    pub fn push_unseparated(&mut self, sql: impl Display) -> &mut Self {
        self.builder.push(sql);
        self
    }
}
