//! Procedural macros of civlink.
//!
//! [`macro@describe_arguments`] gives the arguments that mean the same on every field (Relay's
//! paging arguments, the change feed's, `filter`, `orderBy`, a mutation's `input`, a reveal's
//! `reason` and a statistics `period`) their
//! schema descriptions from one table, so that 50 connection fields and 43 mutations state
//! them once. async-graphql reads an argument's description only from a string literal in
//! `#[graphql(desc = "…")]` on the parameter; this macro writes that attribute.

use proc_macro::TokenStream;
use quote::quote;
use syn::{
    Attribute, FnArg, GenericArgument, ImplItem, ItemImpl, LitStr, Pat, PathArguments, Type, parse_macro_input,
    parse_quote,
};

/// Put above `#[Object]` on an `impl` block: every parameter named `first`, `after`, `last`,
/// `before`, `updated_since`, `include_deleted`, `filter`, `order_by`, `input`, `reason` (of a
/// reveal) or `period` (a `DateRange`) that has no
/// `desc` yet gets `#[graphql(desc = "…")]` with the text of [`description`] (an existing
/// `#[graphql(…)]` on it is extended). Other parameters are left as they are: they need
/// their own `desc`, which the schema test demands.
#[proc_macro_attribute]
pub fn describe_arguments(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let msg = "describe_arguments takes no arguments";
        return syn::Error::new(proc_macro2::Span::call_site(), msg).to_compile_error().into();
    }
    let mut block = parse_macro_input!(item as ItemImpl);
    for item in &mut block.items {
        let ImplItem::Fn(f) = item else { continue };
        for input in &mut f.sig.inputs {
            let FnArg::Typed(param) = input else { continue };
            let Pat::Ident(name) = &*param.pat else { continue };
            let Some(text) = description(&name.ident.to_string(), &param.ty) else { continue };
            describe(&mut param.attrs, &text);
        }
    }
    quote!(#block).into()
}

/// The description of a shared argument, by parameter name (`ty` names the filter, order
/// or input type), or `None` for any other parameter.
///
/// The page sizes are `DEFAULT_PAGE_SIZE` and `MAX_PAGE_SIZE` of `src/graphql/connection.rs`
/// and the feed's settle time `CIVLINK_WRITE_TIMEOUT_MS` plus `COMMIT_MARGIN`
/// (`src/store/write.rs`); `tests/http.rs` checks that the texts state the page sizes.
fn description(name: &str, ty: &Type) -> Option<String> {
    let text = match name {
        "first" => "Page size counted from the start of the list, or from just after `after`: 0-100 \
                    items; 20 when neither `first` nor `last` is given. Errors: `PAGE_SIZE_EXCEEDED` \
                    above 100, `INVALID_ARGUMENT` below 0 or together with `last`."
            .to_owned(),
        "after" => "A cursor from this same list (`edges.cursor`, `pageInfo.endCursor`): the page \
                    starts with the item after it. Errors: `INVALID_CURSOR` for a string this API \
                    did not issue."
            .to_owned(),
        "last" => "Page size counted from the end of the list, or from just before `before`: 0-100 \
                   items. Errors: `PAGE_SIZE_EXCEEDED` above 100, `INVALID_ARGUMENT` below 0 or \
                   together with `first`."
            .to_owned(),
        "before" => "A cursor from this same list (`edges.cursor`, `pageInfo.startCursor`): the page \
                     ends with the item before it. Errors: `INVALID_CURSOR` for a string this API \
                     did not issue."
            .to_owned(),
        "updated_since" => "Change feed: only records created, changed or deleted at or after this \
                            instant, in `(record.updatedAt, id)` order whatever `orderBy` says, up to \
                            the request's start less the longest a write may take \
                            (`CIVLINK_WRITE_TIMEOUT_MS` + 2 s, 22 s by default); keep the last \
                            `endCursor` and continue from it next time. Errors: `INVALID_ARGUMENT` \
                            outside the years 1000-9999."
            .to_owned(),
        "include_deleted" => "`true`: a change feed (see `updatedSince`) that lists soft-deleted \
                              records too, as tombstones with `record.deletedAt` set. Default \
                              `false`: deleted records are not listed."
            .to_owned(),
        "period" if named(ty)? == "DateRange" => "Half-open range `[from, to)` of China Standard Time \
             dates: both ends required, `to` after `from`, at most 240 months. Errors: \
             `INVALID_ARGUMENT`."
            .to_owned(),
        "reason" => "Why the clear values are needed, e.g. \"home visit follow-up\": at least 2 letters \
             or digits, at most 500 characters; control, bidi and invisible-only text is refused. \
             Written to the audit log. Errors: `INVALID_ARGUMENT`."
            .to_owned(),
        "filter" => format!(
            "Conditions on the listed items (`{}`); all given conditions must hold. Absent: every \
             item the caller may see.",
            named(ty)?
        ),
        "order_by" => format!(
            "Order of the list (`{}`); absent fields take their defaults. Ties are broken by id, so \
             the order, and the cursors, are stable.",
            named(ty)?
        ),
        "input" => format!(
            "All of the mutation's values in one input object (`{}`, Relay's mutation convention). \
             A value breaking a rule comes back in the payload's `userErrors`, naming its field; \
             a value that fails its scalar (`Date`, `Yuan`, `DateTime`) refuses the whole request.",
            named(ty)?
        ),
        _ => return None,
    };
    Some(text)
}

/// The name of the type an argument carries: `StationFilter` for `Option<StationFilter>`.
fn named(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident == "Option" || last.ident == "MaybeUndefined" {
        let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
        return match args.args.first()? {
            GenericArgument::Type(inner) => named(inner),
            _ => None,
        };
    }
    Some(last.ident.to_string())
}

/// Adds `desc = text` to the parameter's `#[graphql(…)]`, or adds the attribute; leaves a
/// parameter that has a `desc` alone. (async-graphql reads only the first `graphql`
/// attribute of a parameter.)
fn describe(attrs: &mut Vec<Attribute>, text: &str) {
    let desc = LitStr::new(text, proc_macro2::Span::call_site());
    match attrs.iter_mut().find(|a| a.path().is_ident("graphql")) {
        None => attrs.push(parse_quote!(#[graphql(desc = #desc)])),
        Some(attr) => {
            let syn::Meta::List(list) = &mut attr.meta else { return };
            let has_desc =
                list.tokens.clone().into_iter().any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "desc"));
            if !has_desc {
                let tokens = &list.tokens;
                list.tokens = quote!(#tokens, desc = #desc);
            }
        }
    }
}
