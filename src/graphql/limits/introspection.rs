//! The price of introspection: the fields it resolves.
//!
//! async-graphql's complexity counts each field of a selection once, so an introspection
//! query was priced by the length of its text, not by what it resolves: the standard query
//! resolves every type's fields, arguments and type references, far more than its text
//! names, and `actual` was far above `requested`, so a caller's budget bought many times the
//! work it was meant to. The schema does not change while the process runs, so the answer of every
//! introspection field is known in advance: [`Census`] holds the schema's types, fields,
//! arguments and directives, and [`Census::price`] walks an operation's `__schema` and
//! `__type` selections over them, counting what the executor will resolve: a field is one
//! plus its selection, a list's entries each their selection, as `extensions.cost.actual`
//! counts. Fragments' type conditions and `@skip`/`@include` are not evaluated, which makes
//! the price an upper bound.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet};
use async_graphql::{Value, Variables};

/// A reference to a type: the wrappers (`LIST`, `NON_NULL`) around a named type.
#[derive(Debug, Clone)]
struct TypeRef {
    wrappers: usize,
    name: String,
}

/// A field's or a directive's argument, or an input object's field.
#[derive(Debug, Clone)]
struct InputValue {
    ty: TypeRef,
}

#[derive(Debug, Clone)]
struct FieldEntry {
    args: Vec<InputValue>,
    ty: TypeRef,
}

/// What introspection lists of one named type.
#[derive(Debug, Clone, Default)]
struct TypeEntry {
    fields: Vec<FieldEntry>,
    input_fields: Vec<InputValue>,
    interfaces: Vec<String>,
    possible_types: Vec<String>,
    enum_values: usize,
}

#[derive(Debug, Clone)]
struct DirectiveEntry {
    args: Vec<InputValue>,
}

/// Every list introspection can return, read once from the schema's own answer to
/// [`CENSUS_QUERY`].
#[derive(Debug, Clone, Default)]
pub struct Census {
    /// By name, in the schema's order.
    types: Vec<(String, TypeEntry)>,
    index: HashMap<String, usize>,
    roots: Vec<Option<String>>,
    directives: Vec<DirectiveEntry>,
}

/// The introspection that reads every list with deprecated entries included: what
/// [`Census::from_answer`] reads.
pub const CENSUS_QUERY: &str = r#"query Census {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types {
      name
      fields(includeDeprecated: true) { args(includeDeprecated: true) { ...Input } type { ...Ref } }
      inputFields(includeDeprecated: true) { ...Input }
      interfaces { name }
      possibleTypes { name }
      enumValues(includeDeprecated: true) { name }
    }
    directives { args(includeDeprecated: true) { ...Input } }
  }
}
fragment Input on __InputValue { type { ...Ref } }
fragment Ref on __Type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } }"#;

/// Where the walk is in the introspection answer.
#[derive(Clone, Copy)]
enum Node<'c> {
    Schema,
    /// A type reference: `wrappers` (`LIST`, `NON_NULL`) around the named type.
    Ref {
        wrappers: usize,
        name: &'c str,
    },
    Named(&'c str),
    Field(&'c FieldEntry),
    Input(&'c InputValue),
    Directive(&'c DirectiveEntry),
    /// An enum value, or anything whose fields are scalars.
    Leaf,
}

impl Census {
    /// Reads the schema's answer to [`CENSUS_QUERY`] (its `data`). A part it cannot read is
    /// left out, which prices what it lists at nothing: the census of a schema civlink built
    /// itself is complete (a unit test checks it).
    pub fn from_answer(data: &Value) -> Census {
        let schema = field(data, "__schema");
        let mut census = Census {
            roots: ["queryType", "mutationType", "subscriptionType"]
                .iter()
                .map(|root| text(field(field(schema, root), "name")))
                .collect(),
            directives: list(field(schema, "directives"))
                .iter()
                .map(|d| DirectiveEntry { args: inputs(field(d, "args")) })
                .collect(),
            ..Census::default()
        };
        for t in list(field(schema, "types")) {
            let Some(name) = text(field(t, "name")) else { continue };
            let entry = TypeEntry {
                fields: list(field(t, "fields"))
                    .iter()
                    .map(|f| FieldEntry { args: inputs(field(f, "args")), ty: type_ref(field(f, "type")) })
                    .collect(),
                input_fields: inputs(field(t, "inputFields")),
                interfaces: list(field(t, "interfaces")).iter().filter_map(|i| text(field(i, "name"))).collect(),
                possible_types: list(field(t, "possibleTypes")).iter().filter_map(|i| text(field(i, "name"))).collect(),
                enum_values: list(field(t, "enumValues")).len(),
            };
            census.index.insert(name.clone(), census.types.len());
            census.types.push((name, entry));
        }
        census
    }

    /// What `operation`'s `__schema` and `__type` fields resolve, counted as `actual` counts
    /// (module docs), and the number of fields they select, counted as async-graphql's
    /// complexity counts them (each once, fragments spread where used); both saturate at
    /// `cap`, past which the request is refused anyway. `actual ≤` the first.
    pub fn price(
        &self,
        doc: &ExecutableDocument,
        operation: &OperationDefinition,
        variables: &Variables,
        cap: usize,
    ) -> (usize, usize) {
        let walk = Walk { census: self, doc, variables, cap };
        let mut resolved = 0;
        let mut selected = 0;
        for f in walk.fields(&operation.selection_set.node) {
            let node = match f.name.node.as_str() {
                "__schema" => Node::Schema,
                "__type" => match f.get_argument("name").and_then(|v| walk.string(&v.node)) {
                    Some(name) => match self.index.get(&name) {
                        Some(&i) => Node::Named(&self.types[i].0),
                        // Answered `null`: nothing under it resolves.
                        None => Node::Leaf,
                    },
                    // Unknown until run: the dearest type.
                    None => Node::Named(self.dearest(&walk, &f.selection_set.node)),
                },
                _ => continue,
            };
            let mut spent = resolved;
            let under = if matches!(node, Node::Leaf) { 0 } else { walk.cost(&f.selection_set.node, node, &mut spent) };
            resolved = cap.min(resolved + 1 + under);
            selected = cap.min(selected + 1 + walk.selected(&f.selection_set.node));
        }
        (resolved, selected)
    }

    /// The type whose answer to `set` is largest.
    fn dearest<'c>(&'c self, walk: &Walk<'c, '_>, set: &SelectionSet) -> &'c str {
        self.types.iter().max_by_key(|(name, _)| walk.cost(set, Node::Named(name), &mut 0)).map_or("", |(name, _)| name)
    }

    fn named(&self, name: &str) -> Option<&TypeEntry> {
        self.index.get(name).map(|&i| &self.types[i].1)
    }
}

struct Walk<'c, 'd> {
    census: &'c Census,
    doc: &'d ExecutableDocument,
    variables: &'d Variables,
    cap: usize,
}

impl<'c, 'd> Walk<'c, 'd> {
    /// The fields of `set`, fragments (spread and inline) opened, without type conditions.
    fn fields(&self, set: &'d SelectionSet) -> Vec<&'d Field> {
        let mut out = Vec::new();
        let mut stack = vec![(set, 0usize)];
        while let Some((set, depth)) = stack.pop() {
            for item in set.items.iter().rev() {
                match &item.node {
                    Selection::Field(f) => out.push(&f.node),
                    Selection::InlineFragment(i) => stack.push((&i.node.selection_set.node, depth)),
                    // A cycle is refused by validation; the depth bound only keeps this finite.
                    Selection::FragmentSpread(s) if depth < 64 => {
                        if let Some(fragment) = self.doc.fragments.get(&s.node.fragment_name.node) {
                            stack.push((&fragment.node.selection_set.node, depth + 1));
                        }
                    }
                    Selection::FragmentSpread(_) => {}
                }
            }
        }
        out
    }

    /// Fields selected under `set`, each once.
    fn selected(&self, set: &'d SelectionSet) -> usize {
        self.fields(set)
            .into_iter()
            .filter(|f| f.name.node != "__typename")
            .fold(0usize, |n, f| self.cap.min(n + 1 + self.selected(&f.selection_set.node)))
    }

    /// Fields resolved for `set` at `node`; `spent` counts every field visited so far and
    /// stops the walk at the cap.
    fn cost(&self, set: &'d SelectionSet, node: Node<'c>, spent: &mut usize) -> usize {
        let mut total = 0usize;
        for f in self.fields(set) {
            if f.name.node == "__typename" {
                continue;
            }
            if *spent >= self.cap {
                return self.cap;
            }
            *spent += 1;
            let sub = &f.selection_set.node;
            let children = self.children(f.name.node.as_str(), node);
            let under = children.into_iter().fold(0usize, |n, child| self.cap.min(n + self.cost(sub, child, spent)));
            total = self.cap.min(total + 1 + under);
        }
        total
    }

    /// The nodes a field of `node` resolves to: none for a scalar or a null, one for an
    /// object, one per entry for a list.
    fn children(&self, field: &str, node: Node<'c>) -> Vec<Node<'c>> {
        let census = self.census;
        let named = |name: &'c str| census.named(name).map(|t| (name, t));
        match (node, field) {
            (Node::Schema, "types") => census.types.iter().map(|(n, _)| Node::Named(n)).collect(),
            (Node::Schema, "queryType") => census.roots[0].iter().map(|n| Node::Named(n)).collect(),
            (Node::Schema, "mutationType") => census.roots[1].iter().map(|n| Node::Named(n)).collect(),
            (Node::Schema, "subscriptionType") => census.roots[2].iter().map(|n| Node::Named(n)).collect(),
            (Node::Schema, "directives") => census.directives.iter().map(Node::Directive).collect(),
            (Node::Ref { wrappers: 0, name }, field) => self.children(field, Node::Named(name)),
            (Node::Ref { wrappers, name }, "ofType") => vec![Node::Ref { wrappers: wrappers - 1, name }],
            (Node::Ref { .. }, _) => Vec::new(),
            (Node::Named(name), field) => match (named(name), field) {
                (Some((_, t)), "fields") => t.fields.iter().map(Node::Field).collect(),
                (Some((_, t)), "inputFields") => t.input_fields.iter().map(Node::Input).collect(),
                (Some((_, t)), "interfaces") => t.interfaces.iter().map(|n| Node::Named(n)).collect(),
                (Some((_, t)), "possibleTypes") => t.possible_types.iter().map(|n| Node::Named(n)).collect(),
                (Some((_, t)), "enumValues") => vec![Node::Leaf; t.enum_values],
                _ => Vec::new(),
            },
            (Node::Field(f), "args") => f.args.iter().map(Node::Input).collect(),
            (Node::Field(f), "type") => vec![reference(&f.ty)],
            (Node::Input(i), "type") => vec![reference(&i.ty)],
            (Node::Directive(d), "args") => d.args.iter().map(Node::Input).collect(),
            _ => Vec::new(),
        }
    }

    /// An argument's string value: a literal, or a variable's.
    fn string(&self, value: &async_graphql_value::Value) -> Option<String> {
        match value {
            async_graphql_value::Value::String(s) => Some(s.clone()),
            async_graphql_value::Value::Variable(name) => match self.variables.get(name) {
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        }
    }
}

fn reference(r: &TypeRef) -> Node<'_> {
    Node::Ref { wrappers: r.wrappers, name: &r.name }
}

fn field<'v>(v: &'v Value, name: &str) -> &'v Value {
    static NULL: Value = Value::Null;
    match v {
        Value::Object(o) => o.get(name).unwrap_or(&NULL),
        _ => &NULL,
    }
}

fn list(v: &Value) -> &[Value] {
    match v {
        Value::List(items) => items,
        _ => &[],
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn inputs(v: &Value) -> Vec<InputValue> {
    list(v).iter().map(|i| InputValue { ty: type_ref(field(i, "type")) }).collect()
}

/// A `{ name ofType { … } }` chain: wrappers have no name.
fn type_ref(mut v: &Value) -> TypeRef {
    let mut wrappers = 0;
    loop {
        match text(field(v, "name")) {
            Some(name) => return TypeRef { wrappers, name },
            None if matches!(field(v, "ofType"), Value::Object(_)) => {
                wrappers += 1;
                v = field(v, "ofType");
            }
            None => return TypeRef { wrappers, name: String::new() },
        }
    }
}
