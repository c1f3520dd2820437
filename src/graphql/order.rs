//! Response field order: each object of `data` lists its entries in the order the operation
//! selected them (GraphQL spec, October 2021, §7.1 "Serialized Map Ordering").
//!
//! async-graphql 7 resolves a selection's fields concurrently and inserts each entry as its
//! field completes, so two root fields that wait on the database come back in whichever order
//! their statements finished (async-graphql/async-graphql#612, open since 2021).
//! [`as_selected`] puts them back, once the response is complete, and counts the fields it
//! holds on the way (`extensions.cost.actual`).

use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// The response keys of a selection, in the order they are first selected, each with the
/// order of its own sub-selection (empty for leaf fields) and whether it is a field that counts
/// (not `__typename`).
#[derive(Default)]
struct Order<'d> {
    keys: Vec<(&'d str, Order<'d>, bool)>,
}

impl<'d> Order<'d> {
    /// The order of `sets` merged, as the spec's CollectFields merges a response key's
    /// selections; fragments count wherever they are spread, whatever their type condition
    /// (an entry a type condition skips is simply absent from the object).
    fn of(sets: &[&'d SelectionSet], doc: &'d ExecutableDocument) -> Self {
        let mut merged: Vec<Merged<'d>> = Vec::new();
        for set in sets {
            collect(set, doc, &mut merged, 0);
        }
        let keys = merged
            .into_iter()
            .map(|Merged { key, subs, counts }| {
                let child =
                    if subs.iter().all(|s| s.items.is_empty()) { Order::default() } else { Order::of(&subs, doc) };
                (key, child, counts)
            })
            .collect();
        Order { keys }
    }

    fn position(&self, key: &str) -> usize {
        self.keys.iter().position(|(k, _, _)| *k == key).unwrap_or(usize::MAX)
    }

    /// Orders `value` and returns the fields it holds.
    fn apply(&self, value: &mut Value) -> usize {
        if self.keys.is_empty() {
            return 0;
        }
        match value {
            Value::List(items) => items.iter_mut().map(|item| self.apply(item)).sum(),
            Value::Object(map) => {
                // Most objects already hold exactly the selected keys in order (fields that
                // complete at once): walk them side by side, no lookups.
                let aligned = map.len() == self.keys.len() && map.keys().zip(&self.keys).all(|(a, (b, _, _))| a == b);
                if aligned {
                    return map
                        .values_mut()
                        .zip(&self.keys)
                        .map(|(v, (_, child, counts))| usize::from(*counts) + child.apply(v))
                        .sum();
                }
                if !map.keys().map(|k| self.position(k)).is_sorted() {
                    map.sort_by(|a, _, b, _| self.position(a).cmp(&self.position(b)));
                }
                let mut fields = 0;
                for (key, child, counts) in &self.keys {
                    if let Some(v) = map.get_mut(*key) {
                        fields += usize::from(*counts) + child.apply(v);
                    }
                }
                fields
            }
            _ => 0,
        }
    }
}

/// One response key of a selection: the sub-selections merged under it, and whether any of
/// its selections is a field other than `__typename`.
struct Merged<'d> {
    key: &'d str,
    subs: Vec<&'d SelectionSet>,
    counts: bool,
}

/// Fragment spreads nested deeper than this are not followed (validation refuses fragment
/// cycles before anything runs; this only bounds the walk).
const MAX_FRAGMENT_DEPTH: usize = 64;

fn collect<'d>(set: &'d SelectionSet, doc: &'d ExecutableDocument, merged: &mut Vec<Merged<'d>>, depth: usize) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.as_str();
                let sub = &field.node.selection_set.node;
                let counts = field.node.name.node != "__typename";
                match merged.iter_mut().find(|m| m.key == key) {
                    Some(m) => {
                        m.subs.push(sub);
                        m.counts |= counts;
                    }
                    None => merged.push(Merged { key, subs: vec![sub], counts }),
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    collect(&fragment.node.selection_set.node, doc, merged, depth + 1);
                }
            }
            Selection::InlineFragment(inline) => collect(&inline.node.selection_set.node, doc, merged, depth + 1),
        }
    }
}

/// Orders `data`, the result of the operation named `operation` (or the document's only one)
/// of `doc`, as the operation selected it, and returns the number of fields it holds: the
/// entries of its objects, at every level, but `__typename` (each list item's fields count,
/// the item does not). Only what is in `data` counts: a field that resolved to `null` does; a
/// field that failed (which async-graphql leaves out) does not, nor do the fields of an object
/// that is `null`. Leaves `data` as it is, and returns 0,
/// when no such operation exists (the request then failed before execution).
pub fn as_selected(data: &mut Value, doc: &ExecutableDocument, operation: Option<&str>) -> usize {
    match super::limits::selected_operation(doc, operation) {
        Some((_, op)) => Order::of(&[&op.selection_set.node], doc).apply(data),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn keys(v: &Value) -> Vec<String> {
        match v {
            Value::Object(m) => m.keys().map(|k| k.to_string()).collect(),
            _ => vec![],
        }
    }

    fn field<'v>(v: &'v Value, key: &str) -> &'v Value {
        match v {
            Value::Object(m) => m.get(key).unwrap_or(&Value::Null),
            _ => &Value::Null,
        }
    }

    #[test]
    fn objects_follow_the_selection_through_aliases_fragments_and_lists() {
        let doc = parse_query(
            "query Q { z: regions { nodes { name code } } ...F a: __typename }
             fragment F on Query { s: stations { ... on StationConnection { totalCount nodes { id name } } } }",
        )
        .unwrap();
        let mut data = async_graphql::value!({
            "a": "Query",
            "s": { "nodes": [{ "name": "n1", "id": "1" }, { "name": "n2", "id": "2" }], "totalCount": 2 },
            "z": { "nodes": [{ "code": "52", "name": "贵州省" }] },
        });
        // s, its totalCount, nodes and two nodes' id and name; z, nodes, one node's two: not a.
        assert_eq!(as_selected(&mut data, &doc, Some("Q")), 3 + 2 * 2 + 2 + 2);
        assert_eq!(keys(&data), ["z", "s", "a"]);
        assert_eq!(keys(field(&data, "s")), ["totalCount", "nodes"]);
        let Value::List(items) = field(field(&data, "s"), "nodes") else { panic!("a list") };
        assert!(items.iter().all(|i| keys(i) == ["id", "name"]));
        let Value::List(items) = field(field(&data, "z"), "nodes") else { panic!("a list") };
        assert_eq!(keys(&items[0]), ["name", "code"]);
    }

    #[test]
    fn an_unknown_operation_leaves_the_data_alone() {
        let doc = parse_query("query A { b a } query B { a b }").unwrap();
        let mut data = async_graphql::value!({ "b": 1, "a": 2 });
        assert_eq!(as_selected(&mut data, &doc, None), 0);
        assert_eq!(keys(&data), ["b", "a"]);
        assert_eq!(as_selected(&mut data, &doc, Some("B")), 2);
        assert_eq!(keys(&data), ["a", "b"]);
    }

    #[test]
    fn a_null_counts_as_its_field_and_nothing_below_it() {
        let doc = parse_query("{ a { b { c } t: __typename } d { e } f { g } }").unwrap();
        let mut data = async_graphql::value!({ "a": null, "d": [{ "e": null }, { "e": 1 }], "f": { "g": null } });
        assert_eq!(as_selected(&mut data, &doc, None), 1 + (1 + 2) + (1 + 1));
        let mut data = async_graphql::value!({ "a": { "b": null, "t": "A" } });
        assert_eq!(as_selected(&mut data, &doc, None), 2, "__typename does not count");
    }
}
