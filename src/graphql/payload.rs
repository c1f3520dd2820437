//! Mutation payloads (Shopify style): every mutation returns the object it wrote (null when
//! nothing was written) and `userErrors { field message code }`. A client's mistake (a bad
//! value, an unknown reference, a stale `expectedVersion`, a row outside its region) is a
//! user error, never a top-level error; top-level errors are kept for `FORBIDDEN` (the role
//! may not write at all) and failures of the service (`INTERNAL`, `DATABASE_UNAVAILABLE`,
//! `TIMEOUT`).
//!
//! Updates use "absent field = unchanged": a field left out of an update input keeps its
//! stored value; for a nullable field, an explicit `null` clears it. A field that cannot be
//! cleared ([`SetOrKeep`]) refuses `null` (`BAD_USER_INPUT`) rather than ignore it: a client
//! that sends `name: null` meant something, and nothing is written.

use std::borrow::Cow;

use async_graphql::registry::Registry;
use async_graphql::{
    Context, ID, InputObject, InputType, InputValueError, InputValueResult, MaybeUndefined, SimpleObject, Value,
};
use uuid::Uuid;

use super::context::RequestData;
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use crate::domain::roster::{FieldError, Problems};
use crate::store::StoreError;
use crate::store::mutate::{self, Editor, Outcome, Writable};

/// A problem with the caller's input, as a payload field rather than a top-level error.
#[derive(SimpleObject, Clone, serde::Serialize, serde::Deserialize)]
pub struct UserError {
    /// Path of the input field, e.g. `["records", "3", "idNumber"]` in a sync batch, or
    /// `["idNumber"]` in a mutation's `input`; empty for the input as a whole.
    pub field: Vec<String>,
    /// What is wrong, for people.
    pub message: String,
    /// Stable code, for programs: `REQUIRED`, `TOO_LONG`, `INVALID_TEXT`, `OUT_OF_RANGE`,
    /// `INCONSISTENT`, `INVALID_CITIZEN_ID`, `INVALID_CREDIT_CODE`, `INVALID_PHONE`,
    /// `INVALID_MONEY`, `INVALID_DIVISION_CODE`, `INVALID_ID`, `UNKNOWN_DIVISION`,
    /// `UNKNOWN_REFERENCE`, `INVALID_REFERENCE`, `NOT_FOUND`, `VERSION_CONFLICT`,
    /// `OUT_OF_SCOPE`, `NOT_A_COMMUNITY`, `NOT_COUNTY_OR_ABOVE`, `ALREADY_ASSIGNED`, `ALREADY_MEMBER`, `ALREADY_IN_CATEGORY`, `ALREADY_LINKED`,
    /// `NOT_LINKED`, `CASE_FILE_EXISTS`, `AGE_UNKNOWN`, `NOT_A_MINOR`, `INVALID_RANGE`, `ALREADY_WITHDRAWN`, `ALREADY_CORRECTED`,
    /// `NOT_CORRECTABLE`, `ENTRY_IMMUTABLE`, `DUPLICATE_EXTERNAL_ID`, `DUPLICATE_PERSON`, `WRITE_FAILED`, `WRITE_TIMEOUT`, `CONCURRENT_WRITE`, `BATCH_TOO_LARGE`, `BATCH_ABORTED`, `INVALID_ARGUMENT`; of an uploaded file (`importRoster`):
    /// `FILE_MISSING`, `FILE_TOO_LARGE`, `TOO_MANY_ROWS`, `TOO_MANY_COLUMNS`, `LINE_TOO_LONG`,
    /// `SPREADSHEET_TOO_LARGE`, `UNSUPPORTED_FILE`, `UNREADABLE_FILE`, `INVALID_TEXT`, `MISSING_COLUMN`,
    /// `NUMBER_PRECISION_LOST`, `INVALID_VALUE`, `SOURCE_MISMATCH`, `MASKED_VALUE`; of webhooks: `INVALID_URL`, `FORBIDDEN_ADDRESS`,
    /// `UNRESOLVABLE_HOST`.
    pub code: String,
    /// The global id of the existing record the problem is about, when the caller may read
    /// it; else null. `DUPLICATE_PERSON` (a volunteer or social worker whose citizen ID number
    /// another live record of the same kind and source already holds): the holder's id, given
    /// only to a caller who may read the holder. A caller who may not (a county official whose
    /// number is held by a record of another county) learns only what the rule itself tells,
    /// that the number is held in that source: no id (whose UUIDv7 would tell when the record
    /// was made, and which `node` would confirm), no division, no name.
    pub existing_id: Option<ID>,
}

impl From<FieldError> for UserError {
    fn from(e: FieldError) -> Self {
        let field = e.field.into_iter().filter(|f| !f.is_empty()).collect();
        let existing_id = e.existing.and_then(|x| {
            let ty = match x.type_name {
                "Volunteer" => NodeType::Volunteer,
                "SocialWorker" => NodeType::SocialWorker,
                _ => return None,
            };
            Some(GlobalId::encode(ty, x.id))
        });
        let message = match &existing_id {
            Some(id) => format!("{} ({})", e.message, id.as_str()),
            None => e.message,
        };
        UserError { field, message, code: e.code.to_owned(), existing_id }
    }
}

/// The user errors of `errors`.
pub fn user_errors(errors: Vec<FieldError>) -> Vec<UserError> {
    errors.into_iter().map(UserError::from).collect()
}

/// The row to delete and the version the caller read.
#[derive(InputObject)]
pub struct DeleteInput {
    /// Global id of the row.
    pub id: ID,
    /// The row's `record.version` as the caller read it; another stored version is a
    /// `VERSION_CONFLICT` and nothing is deleted.
    pub expected_version: i32,
}

/// The editor of this request: who writes, where, and the write's instant (taken now, before
/// any transaction). `station_bound`: the entity is bound to a station, so STATION_STAFF may
/// write its own station's rows. Errors: `FORBIDDEN` for roles that may not write it.
pub fn editor<'a>(ctx: &'a Context<'_>, station_bound: bool) -> ApiResult<(&'a RequestData, Editor)> {
    let data = RequestData::of(ctx)?;
    let limit = data.scope.write_limit(station_bound).map_err(|m| ApiError::Forbidden(m.to_owned()))?;
    let now = crate::domain::time::now();
    let write_timeout = data.write_timeout;
    let sent = sent_fields(ctx);
    Ok((
        data,
        Editor {
            actor: data.actor(),
            scope: data.scope.clone(),
            limit,
            now,
            write_timeout,
            sent,
            person_keys: data.person_keys.clone(),
        },
    ))
}

/// The fields (API names) present in the mutation's `input` argument, variables resolved:
/// what the caller sends, whatever the value (see [`Editor::sent`]).
fn sent_fields(ctx: &Context<'_>) -> Vec<String> {
    let arguments = ctx.field().arguments().unwrap_or_default();
    arguments
        .into_iter()
        .filter(|(name, _)| name.as_str() == "input")
        .flat_map(|(_, value)| match value {
            Value::Object(fields) => fields.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// A database failure as the client sees it (logged, never echoed).
pub fn db_error(e: sea_orm::DbErr) -> async_graphql::Error {
    ApiError::from(StoreError::Db(e)).into()
}

/// The UUID in global id `id` of type `ty`, given for `field`; the problem (`INVALID_ID`)
/// recorded in `p` otherwise.
pub fn uuid(p: &mut Problems, field: &str, id: &ID, ty: NodeType) -> Option<Uuid> {
    let decoded = GlobalId::decode_uuid(id, ty)
        .map_err(|e| FieldError::new(field, "INVALID_ID", format!("{field}: {}", e.message())));
    p.take(decoded)
}

/// An optional reference in an update: `None` when absent (unchanged), `Some(None)` for
/// `null` (clear), `Some(Some(id))` for an id; `None` with the problem recorded in `p` for a
/// malformed id.
pub fn maybe_uuid(p: &mut Problems, field: &str, id: MaybeUndefined<ID>, ty: NodeType) -> Option<Option<Uuid>> {
    match id {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(id) => uuid(p, field, &id, ty).map(Some),
    }
}

/// An optional reference in a create: `Some(None)` when absent.
pub fn opt_uuid(p: &mut Problems, field: &str, id: Option<&ID>, ty: NodeType) -> Option<Option<Uuid>> {
    match id {
        None => Some(None),
        Some(id) => uuid(p, field, id, ty).map(Some),
    }
}

/// An update input field of a value that cannot be cleared: absent keeps the stored value, a
/// value replaces it, and an explicit `null` is refused with `BAD_USER_INPUT` before anything
/// runs. In the schema it is the nullable form of `T` (it may be left out).
#[derive(Debug, Clone, Default)]
pub struct SetOrKeep<T>(pub Option<T>);

impl<T: InputType> InputType for SetOrKeep<T> {
    type RawValueType = T::RawValueType;

    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::type_name().to_string()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry);
        T::type_name().to_string()
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        match value {
            None => Ok(Self(None)),
            Some(Value::Null) => {
                Err(InputValueError::custom("this field cannot be cleared: leave it out to keep the stored value"))
            }
            Some(v) => T::parse(Some(v)).map(|v| Self(Some(v))).map_err(InputValueError::propagate),
        }
    }

    fn to_value(&self) -> Value {
        self.0.as_ref().map_or(Value::Null, InputType::to_value)
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_ref().and_then(InputType::as_raw_value)
    }
}

impl<T> SetOrKeep<T> {
    /// The value given, if any.
    pub fn into_option(self) -> Option<T> {
        self.0
    }

    /// The given value mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> SetOrKeep<U> {
        SetOrKeep(self.0.map(f))
    }
}

/// Sets `target` to `value` when given (absent: unchanged).
pub fn set<T>(target: &mut T, value: SetOrKeep<T>) {
    if let Some(v) = value.0 {
        *target = v;
    }
}

/// Sets a nullable `target` from a field that cannot be cleared: absent unchanged.
pub fn set_some<T, U: Into<T>>(target: &mut Option<T>, value: SetOrKeep<U>) {
    if let Some(v) = value.0 {
        *target = Some(v.into());
    }
}

/// Sets a nullable `target`: absent unchanged, `null` cleared, a value set.
pub fn set_opt<T, U: Into<T>>(target: &mut Option<T>, value: MaybeUndefined<U>) {
    value.map_value(Into::into).update_to(target);
}

/// Declares a mutation payload `$name { $field: $ty, userErrors }` built from a store
/// [`Outcome`].
#[macro_export]
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident, $field:ident, $ty:ty) => {
        $(#[$doc])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// The object as written; null when nothing was written.
            pub $field: Option<$ty>,
            /// What was wrong with the input; empty on success.
            pub user_errors: Vec<$crate::graphql::payload::UserError>,
        }

        impl $name {
            /// The payload of a write's outcome.
            pub fn of<M: Into<$ty>>(out: $crate::store::mutate::Outcome<M>) -> Self {
                match out {
                    Ok(m) => $name { $field: Some(m.into()), user_errors: Vec::new() },
                    Err(e) => $name { $field: None, user_errors: $crate::graphql::payload::user_errors(e) },
                }
            }
        }
    };
}

/// Declares a delete payload `$name { deletedId, userErrors }`.
#[macro_export]
macro_rules! delete_payload {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// Global id of the deleted row; null when nothing was deleted.
            pub deleted_id: Option<async_graphql::ID>,
            /// What was wrong with the input; empty on success.
            pub user_errors: Vec<$crate::graphql::payload::UserError>,
        }

        impl From<$crate::graphql::payload::Deleted> for $name {
            fn from(d: $crate::graphql::payload::Deleted) -> Self {
                $name { deleted_id: d.0, user_errors: d.1 }
            }
        }
    };
}

/// The outcome of a delete: the deleted row's global id, or the user errors.
pub struct Deleted(pub Option<ID>, pub Vec<UserError>);

/// Soft-deletes the row of `W` named by `input` (see [`mutate::delete`]). Errors: `FORBIDDEN`,
/// service failures; the client's mistakes are user errors.
pub async fn delete<W: Writable>(
    ctx: &Context<'_>,
    input: DeleteInput,
    ty: NodeType,
    station_bound: bool,
) -> ApiResult<Deleted> {
    let (data, editor) = editor(ctx, station_bound)?;
    let mut p = Problems::default();
    let Some(id) = uuid(&mut p, "id", &input.id, ty) else {
        return Ok(Deleted(None, user_errors(p.into_errors())));
    };
    let out = mutate::delete::<W>(&data.db, &editor, id, input.expected_version).await.map_err(db_error)?;
    Ok(match out {
        Ok(id) => Deleted(Some(GlobalId::encode(ty, id)), Vec::new()),
        Err(e) => Deleted(None, user_errors(e)),
    })
}

/// The errors of ids decoded so far, as an outcome to return before any write.
pub fn refused<T>(p: Problems) -> Outcome<T> {
    Err(p.into_errors())
}
