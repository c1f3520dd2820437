//! Coercion of variable values against civlink's own scalars, with each scalar's own message.
//!
//! The GraphQL spec (CoerceVariableValues) refuses a request whose variables fail their types
//! before anything runs. async-graphql's validation does refuse them, through each scalar's
//! `is_valid`, but only says `expected type "Yuan"`; a client that sent `"-1"` or `"1.234"`
//! deserves to hear which rule the value broke. This walks every variable's value along its
//! declared type (lists, input objects, defaults) and, for the scalars of [`super::scalars`],
//! runs their parse to keep the first message. Values of other types are left to validation.

use async_graphql::parser::types::VariableDefinition;
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{InputType, Name, Positioned, Value, Variables};

use super::scalars;

/// Most values inspected per request: a sync batch holds at most 10,000 records of a few
/// dozen values; past this the rest is left to validation, which checks every value anyway.
const MAX_VALUES: usize = 1_000_000;

/// The first variable value that fails one of civlink's scalars, as a message naming the
/// variable, the path inside it and the scalar's own reason, e.g.
/// `variable $input at "input.value": Failed to parse "Yuan": negative amounts are not accepted`.
pub fn first_error(
    registry: &Registry,
    definitions: &[Positioned<VariableDefinition>],
    variables: &Variables,
) -> Option<String> {
    let mut budget = MAX_VALUES;
    definitions.iter().find_map(|def| {
        let name = &def.node.name.node;
        let value = variables.get(name).or(def.node.default_value.as_ref().map(|v| &v.node))?;
        let ty = def.node.var_type.node.to_string();
        let mut path = vec![name.to_string()];
        check(registry, &ty, value, &mut path, &mut budget)
            .map(|reason| format!("variable ${name} at \"{}\": {reason}", path.join(".")))
    })
}

/// The message of the first failing value under `value` of type `ty`; `path` is left
/// pointing at it.
fn check(registry: &Registry, ty: &str, value: &Value, path: &mut Vec<String>, budget: &mut usize) -> Option<String> {
    if *budget == 0 || matches!(value, Value::Null) {
        return None;
    }
    *budget -= 1;
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => check(registry, inner, value, path, budget),
        MetaTypeName::List(inner) => match value {
            Value::List(items) => items.iter().enumerate().find_map(|(i, item)| {
                path.push(i.to_string());
                let found = check(registry, inner, item, path, budget);
                if found.is_none() {
                    path.pop();
                }
                found
            }),
            // A single value where a list goes is coerced to a list of one.
            other => check(registry, inner, other, path, budget),
        },
        MetaTypeName::Named(name) => match registry.types.get(name)? {
            MetaType::Scalar { .. } => scalar_error(name, value),
            MetaType::InputObject { input_fields, .. } => {
                let Value::Object(fields) = value else { return None };
                input_fields.values().find_map(|field| {
                    let v = fields.get(&Name::new(&field.name))?;
                    path.push(field.name.clone());
                    let found = check(registry, &field.ty, v, path, budget);
                    if found.is_none() {
                        path.pop();
                    }
                    found
                })
            }
            _ => None,
        },
    }
}

/// Why `value` is not a valid `name`, for the scalars civlink defines: the scalar's own
/// message, e.g. `Failed to parse "Yuan": negative amounts are not accepted`.
fn scalar_error(name: &str, value: &Value) -> Option<String> {
    fn reason<T: InputType>(value: &Value) -> Option<String> {
        T::parse(Some(value.clone())).err().map(|e| e.into_server_error(Default::default()).message)
    }
    if name == scalars::Date::type_name() {
        reason::<scalars::Date>(value)
    } else if name == scalars::DateTime::type_name() {
        reason::<scalars::DateTime>(value)
    } else if name == scalars::Yuan::type_name() {
        reason::<scalars::Yuan>(value)
    } else {
        None
    }
}
