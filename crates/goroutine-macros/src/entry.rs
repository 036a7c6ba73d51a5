//! Expansion of `#[goroutine::main]` and `#[goroutine::test]`.
//!
//! Three stages, each of which keeps going after an error so that every
//! mistake is reported at once and the user's function is still emitted
//! (IDEs keep completing inside it):
//!
//! 1. [`Args::parse`] reads `workers = N, detect_deadlock = bool,
//!    panic = "abort", crate = "path"` by splitting the attribute's tokens at top-level commas.
//!    A bad argument becomes an error spanning that argument and leaves the
//!    default in place.
//! 2. [`EntryFn`] parses the item shallowly (attributes, visibility,
//!    signature, and the body as an opaque brace group, never its statements)
//!    and [`EntryFn::check`] rejects signatures a runtime cannot call.
//! 3. [`expand`] turns
//!
//!    ```text
//!    #[attrs] vis async fn name() -> R { body }
//!    ```
//!
//!    into
//!
//!    ```text
//!    #[attrs] [#[test]] vis fn name() -> R {
//!        async fn __goroutine_entry() -> R { body }
//!        ::goroutine::__private::run_main(EntryConfig { .. }, __goroutine_entry())
//!    }
//!    ```
//!
//!    except for the program's own `fn main`, which runs main as a
//!    goroutine on the workers when its future is `Send` (as Go runs main
//!    on a P), else on its own thread, and exits with status 2 on a panic:
//!
//!    ```text
//!    fn main() -> ::std::process::ExitCode {
//!        async fn __goroutine_entry() -> R { body }
//!        use ::goroutine::__private::{MainOnThread as _, MainOnWorkers as _};
//!        (&&::goroutine::__private::ProgramMain::new(EntryConfig { .. }, __goroutine_entry()))
//!            .run_program()
//!    }
//!    ```
//!
//! The body becomes a nested `async fn` rather than an `async move { }`
//! block: it then has a declared return type, so `return`, `?` and
//! `.into()` infer exactly as in any `async fn`, and a mismatched tail
//! expression is reported by rustc against the user's own `-> R` with no
//! help from us. The nested signature is a clone of the user's, so every
//! span in it points back at the user's source.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Pat, PatIdent, Signature, Visibility};

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[goroutine::main]`
    Main,
    /// `#[goroutine::test]`
    Test,
}

impl Kind {
    /// The attribute as the user writes it, for error messages.
    fn attr(self) -> &'static str {
        match self {
            Kind::Main => "`#[goroutine::main]`",
            Kind::Test => "`#[goroutine::test]`",
        }
    }

    /// The `__private` function the expansion calls.
    fn runner(self) -> &'static str {
        match self {
            Kind::Main => "run_main",
            Kind::Test => "run_test",
        }
    }
}

/// Name of the nested `async fn` that holds the user's body.
const ENTRY: &str = "__goroutine_entry";

/// The argument list, for "expected one of" messages.
const VALID_ARGS: &str =
    "`workers = N`, `detect_deadlock = true|false`, `panic = \"abort\"|\"report\"` (main only), `crate = \"path\"`";

/// Entry point of `#[goroutine::main]`.
pub(crate) fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry(Kind::Main, args, item)
}

/// Entry point of `#[goroutine::test]`.
pub(crate) fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry(Kind::Test, args, item)
}

fn entry(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let input: EntryFn = match syn::parse2(item.clone()) {
        Ok(input) => input,
        // Not a function at all: hand the item back untouched.
        Err(e) => return with_error(item, not_a_function(kind, e)),
    };
    let (args, mut errors) = Args::parse(kind, args);
    if let Err(e) = input.check(kind) {
        push(&mut errors, e);
    }
    let expanded = if input.sig.receiver().is_some() {
        // A method: an `async fn` is valid there as written, and no nested
        // fn can hold a body that uses `self`, so hand it back untouched.
        item
    } else {
        expand(kind, input, &args)
    };
    match errors {
        None => expanded,
        Some(e) => with_error(expanded, e),
    }
}

fn with_error(mut tokens: TokenStream, error: syn::Error) -> TokenStream {
    tokens.extend(error.into_compile_error());
    tokens
}

/// Adds `e` to the errors collected so far.
fn push(errors: &mut Option<syn::Error>, e: syn::Error) {
    match errors {
        Some(first) => first.combine(e),
        None => *errors = Some(e),
    }
}

fn not_a_function(kind: Kind, e: syn::Error) -> syn::Error {
    let msg = format!(
        "{} can only be applied to an `async fn`, such as `async fn {}() {{ .. }}` ({e})",
        kind.attr(),
        match kind {
            Kind::Main => "main",
            Kind::Test => "my_test",
        },
    );
    syn::Error::new(e.span(), msg)
}

// ---------------------------------------------------------------------------
// Stage 1: arguments
// ---------------------------------------------------------------------------

/// Parsed attribute arguments. Fields keep their defaults where the user's
/// value was rejected, so expansion can go on.
struct Args {
    /// `workers = N`: `None` lets the runtime choose.
    workers: Option<usize>,
    /// `detect_deadlock = bool`.
    detect_deadlock: bool,
    /// `panic = "abort"`: a goroutine's panic ends the program (Go).
    panic_abort: bool,
    /// `crate = "path"`: `None` is `::goroutine`.
    krate: Option<syn::Path>,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            workers: None,
            detect_deadlock: true,
            panic_abort: false,
            krate: None,
        }
    }
}

impl Args {
    /// Parses `name = value, ...`, collecting one error per bad argument.
    fn parse(kind: Kind, tokens: TokenStream) -> (Args, Option<syn::Error>) {
        let mut args = Args::default();
        let mut errors = None;
        let mut seen: Vec<String> = Vec::new();
        for arg in split_commas(tokens) {
            if let Err(e) = args.parse_one(kind, &arg, &mut seen) {
                push(&mut errors, e);
            }
        }
        (args, errors)
    }

    fn parse_one(
        &mut self,
        kind: Kind,
        arg: &[TokenTree],
        seen: &mut Vec<String>,
    ) -> syn::Result<()> {
        let (name, rest) = match arg.split_first() {
            Some((TokenTree::Ident(name), rest)) => (name, rest),
            Some((other, _)) => {
                return Err(syn::Error::new(
                    other.span(),
                    format!(
                        "expected an argument such as `workers = 4`; {} accepts {VALID_ARGS}",
                        kind.attr()
                    ),
                ))
            }
            // `#[goroutine::main(workers = 2,)]`: a trailing comma is fine.
            None => return Ok(()),
        };
        let key = name.to_string();
        let key = key.strip_prefix("r#").unwrap_or(&key);
        if !matches!(key, "workers" | "detect_deadlock" | "panic" | "crate") {
            return Err(unknown_argument(kind, name));
        }
        let value = match rest.split_first() {
            Some((TokenTree::Punct(eq), value)) if eq.as_char() == '=' => {
                if value.is_empty() {
                    return Err(syn::Error::new(
                        eq.span(),
                        format!("`{key}` needs a value after `=`, e.g. {}", example(key)),
                    ));
                }
                value.iter().cloned().collect::<TokenStream>()
            }
            _ => {
                return Err(syn::Error::new(
                    spans(arg),
                    format!("`{key}` needs a value: write {}", example(key)),
                ))
            }
        };
        if seen.iter().any(|s| s == key) {
            return Err(syn::Error::new(
                name.span(),
                format!("duplicate argument `{key}`: give it once"),
            ));
        }
        seen.push(key.to_owned());
        match key {
            "workers" => self.workers = Some(parse_workers(value)?),
            "detect_deadlock" => self.detect_deadlock = parse_bool(key, value)?,
            "panic" => self.panic_abort = parse_panic(kind, value)?,
            _ => self.krate = Some(parse_crate(value)?),
        }
        Ok(())
    }
}

/// Splits at commas outside any group; empty pieces are kept out.
fn split_commas(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut out = vec![Vec::new()];
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => out.push(Vec::new()),
            _ => out.last_mut().expect("never empty").push(tt),
        }
    }
    out.retain(|arg| !arg.is_empty());
    out
}

/// A span covering `tokens` where the compiler allows it (nightly), else the
/// first token's.
fn spans(tokens: &[TokenTree]) -> Span {
    let first = tokens.first().map_or_else(Span::call_site, TokenTree::span);
    let last = tokens.last().map_or(first, TokenTree::span);
    first.join(last).unwrap_or(first)
}

fn example(key: &str) -> &'static str {
    match key {
        "workers" => "`workers = 4`",
        "detect_deadlock" => "`detect_deadlock = false`",
        "panic" => "`panic = \"abort\"`",
        _ => "`crate = \"my_crate::goroutine\"`",
    }
}

fn unknown_argument(kind: Kind, name: &Ident) -> syn::Error {
    let key = name.to_string();
    let hint = match key.as_str() {
        "worker_threads" | "threads" | "num_workers" | "worker" | "gomaxprocs" | "GOMAXPROCS" => {
            " (did you mean `workers`?)"
        }
        "flavor" => {
            " (goroutine has one multi-threaded scheduler; \
             for a single worker thread write `workers = 1`)"
        }
        "deadlock" | "detect_deadlocks" | "deadlock_detection" => {
            " (did you mean `detect_deadlock`?)"
        }
        "crate_name" | "krate" | "path" => " (did you mean `crate`?)",
        "panic_policy" | "on_panic" | "panics" | "abort" => " (did you mean `panic = \"abort\"`?)",
        _ => "",
    };
    syn::Error::new(
        name.span(),
        format!(
            "unknown argument `{key}` to {}{hint}; expected one of {VALID_ARGS}",
            kind.attr()
        ),
    )
}

fn parse_workers(value: TokenStream) -> syn::Result<usize> {
    let bad = |msg: &str| syn::Error::new_spanned(&value, msg);
    match syn::parse2::<syn::Lit>(value.clone()) {
        Ok(syn::Lit::Int(lit)) if lit.base10_digits().starts_with('-') => Err(bad(
            "`workers` must be a positive integer literal, e.g. `workers = 4`",
        )),
        Ok(syn::Lit::Int(lit)) => match lit.base10_parse::<usize>() {
            Ok(0) => Err(bad(
                "`workers` must be at least 1; leave it out to use one worker per CPU core",
            )),
            Ok(n) => Ok(n),
            Err(_) => Err(bad("`workers` is too large for `usize`")),
        },
        Ok(syn::Lit::Str(s)) if s.value().trim().parse::<usize>().is_ok() => Err(bad(&format!(
            "`workers` takes an integer, not a string: write `workers = {}`",
            s.value().trim()
        ))),
        _ => Err(bad(
            "`workers` takes a positive integer literal, e.g. `workers = 4`; \
             constants and expressions are not supported here",
        )),
    }
}

fn parse_bool(key: &str, value: TokenStream) -> syn::Result<bool> {
    match syn::parse2::<syn::Lit>(value.clone()) {
        Ok(syn::Lit::Bool(b)) => Ok(b.value),
        Ok(syn::Lit::Str(s)) if matches!(s.value().as_str(), "true" | "false") => {
            Err(syn::Error::new_spanned(
                &value,
                format!(
                    "`{key}` takes a bool, not a string: write `{key} = {}`",
                    s.value()
                ),
            ))
        }
        _ => Err(syn::Error::new_spanned(
            &value,
            format!("`{key}` takes `true` or `false`"),
        )),
    }
}

/// `panic = "abort"` (true) or `"report"` (false, the default).
fn parse_panic(kind: Kind, value: TokenStream) -> syn::Result<bool> {
    let bad = |msg: &str| syn::Error::new_spanned(&value, msg);
    let word = match syn::parse2::<syn::Lit>(value.clone()) {
        Ok(syn::Lit::Str(s)) => s.value(),
        _ => match syn::parse2::<Ident>(value.clone()) {
            Ok(id) if id == "abort" || id == "report" => {
                return Err(bad(&format!(
                    "`panic` takes a string: write `panic = \"{id}\"`"
                )))
            }
            _ => String::new(),
        },
    };
    match (word.as_str(), kind) {
        ("abort", Kind::Main) => Ok(true),
        ("abort", Kind::Test) => Err(bad(
            "`panic = \"abort\"` would end the whole test binary at a goroutine's panic; \
             await the goroutine's `JoinHandle` and check `is_panic()` instead",
        )),
        ("report", _) => Ok(false),
        _ => Err(bad(
            "`panic` takes `\"abort\"` (a goroutine's panic ends the program with \
             status 2, as in Go) or `\"report\"` (the default)",
        )),
    }
}

fn parse_crate(value: TokenStream) -> syn::Result<syn::Path> {
    match syn::parse2::<syn::Lit>(value.clone()) {
        // `LitStr::parse` gives every token of the path the literal's span,
        // so a path that does not resolve is reported on the literal.
        Ok(syn::Lit::Str(s)) => s.parse::<syn::Path>().map_err(|_| {
            syn::Error::new(
                s.span(),
                format!(
                    "`crate` must name a path, such as `crate = \"goroutine\"` or \
                     `crate = \"my_crate::goroutine\"`; `{}` is not one",
                    s.value()
                ),
            )
        }),
        _ => {
            let msg = match syn::parse2::<syn::Path>(value.clone()) {
                Ok(path) => format!(
                    "`crate` takes the path as a string: write `crate = \"{}\"`",
                    path.to_token_stream().to_string().replace(' ', "")
                ),
                Err(_) => {
                    "`crate` takes a path in a string, e.g. `crate = \"my_crate::goroutine\"`"
                        .to_owned()
                }
            };
            Err(syn::Error::new_spanned(&value, msg))
        }
    }
}

// ---------------------------------------------------------------------------
// Stage 2: the function
// ---------------------------------------------------------------------------

/// The annotated function, parsed only as deep as the expansion needs: the
/// body stays an opaque group, so a half-typed body in an IDE still expands.
struct EntryFn {
    attrs: Vec<Attribute>,
    vis: Visibility,
    sig: Signature,
    /// `{ .. }`, inner attributes and all.
    body: Group,
}

impl Parse for EntryFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body: Group = match input.parse::<Group>() {
            Ok(g) if g.delimiter() == Delimiter::Brace => g,
            _ => return Err(input.error("expected the function body `{ .. }`")),
        };
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function body"));
        }
        Ok(EntryFn {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

impl EntryFn {
    /// Rejects what the runtime cannot call. Every problem found is
    /// reported, not just the first.
    fn check(&self, kind: Kind) -> syn::Result<()> {
        let mut errors = None;
        let sig = &self.sig;
        let name = &sig.ident;
        if sig.asyncness.is_none() {
            push(
                &mut errors,
                syn::Error::new(
                    sig.fn_token.span(),
                    format!(
                        "the `async` keyword is missing from the function declaration; \
                         {} needs `async fn {name}()`",
                        kind.attr()
                    ),
                ),
            );
        }
        if let Some(unsafety) = &sig.unsafety {
            push(
                &mut errors,
                syn::Error::new(
                    unsafety.span(),
                    format!(
                        "{} functions cannot be `unsafe`; remove it and use an `unsafe {{ }}` \
                         block in the body",
                        kind.attr()
                    ),
                ),
            );
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            let what = match kind {
                Kind::Main => format!(
                    "{} cannot be used on a function with generic parameters: \
                     the runtime has no way to choose them; remove them and name concrete types",
                    kind.attr()
                ),
                Kind::Test => "test functions cannot have generic parameters; \
                               call a generic helper from a concrete test instead"
                    .to_owned(),
            };
            push(&mut errors, syn::Error::new_spanned(&sig.generics, what));
        }
        if let Some(receiver) = sig.receiver() {
            push(
                &mut errors,
                syn::Error::new_spanned(
                    receiver,
                    format!(
                        "{} cannot be used on a method: the body runs in a nested function \
                         where `self` does not exist; make it a free function that takes \
                         the value as an argument",
                        kind.attr()
                    ),
                ),
            );
        } else if !sig.inputs.is_empty() && !takes_arguments(kind, sig) {
            let what = match kind {
                Kind::Main => {
                    "`main` cannot take arguments; read them with `std::env::args()` instead"
                }
                Kind::Test => {
                    "test functions cannot take arguments; \
                               build the values inside the test body instead"
                }
            };
            push(&mut errors, syn::Error::new_spanned(&sig.inputs, what));
        }
        if let Some(variadic) = &sig.variadic {
            push(
                &mut errors,
                syn::Error::new_spanned(variadic, "variadic arguments are not supported here"),
            );
        }
        if kind == Kind::Test {
            if let Some(attr) = self.attrs.iter().find(|a| is_test_attribute(a)) {
                push(
                    &mut errors,
                    syn::Error::new_spanned(
                        attr,
                        "`#[goroutine::test]` already adds `#[test]`; remove this attribute",
                    ),
                );
            }
        }
        errors.map_or(Ok(()), Err)
    }
}

/// Whether arguments are allowed: only on a `#[goroutine::main]` function
/// other than the program's `main`, which its callers pass values to.
fn takes_arguments(kind: Kind, sig: &Signature) -> bool {
    kind == Kind::Main && sig.ident != "main"
}

/// Whether the expansion can call the nested fn: no generic parameters, no
/// `self`, and no arguments unless [`takes_arguments`].
fn callable(kind: Kind, sig: &Signature) -> bool {
    (sig.inputs.is_empty() || (takes_arguments(kind, sig) && sig.receiver().is_none()))
        && sig.variadic.is_none()
        && sig.generics.params.is_empty()
        && sig.generics.where_clause.is_none()
}

/// `#[test]`, or the prelude path to it that other macros emit
/// (`#[::core::prelude::v1::test]`, `#[std::prelude::rust_2021::test]`).
fn is_test_attribute(attr: &Attribute) -> bool {
    let syn::Meta::Path(path) = &attr.meta else {
        return false;
    };
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segs.as_slice() {
        [test] => path.leading_colon.is_none() && test == "test",
        [root, prelude, _, test] => {
            matches!(root.as_str(), "core" | "std") && prelude == "prelude" && test == "test"
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Stage 3: expansion
// ---------------------------------------------------------------------------

fn expand(kind: Kind, input: EntryFn, args: &Args) -> TokenStream {
    let EntryFn {
        attrs,
        vis,
        sig,
        body,
    } = input;

    // The nested fn: the user's own signature, renamed and made async, so
    // diagnostics about the return type land on the user's tokens.
    let mut inner_sig = sig.clone();
    inner_sig.ident = Ident::new(ENTRY, sig.ident.span());
    inner_sig.asyncness = Some(Default::default());
    inner_sig.unsafety = None;
    let entry = Ident::new(ENTRY, Span::call_site());

    let mut outer_sig = sig;
    outer_sig.asyncness = None;
    outer_sig.unsafety = None;

    if !callable(kind, &outer_sig) {
        // An error was reported. Keep the body type-checked (for IDEs) in an
        // uncalled nested fn, and give the outer fn a shape rustc accepts so
        // that our error is the only one.
        outer_sig.inputs = Default::default();
        outer_sig.variadic = None;
        outer_sig.generics = Default::default();
        let attrs = attrs.iter().filter(|a| !is_test_attribute(a));
        return quote! {
            #(#attrs)*
            #[allow(dead_code)]
            #vis #outer_sig {
                #[allow(dead_code, unused_variables)]
                #inner_sig #body
                ::core::unreachable!()
            }
        };
    }

    let forwarded = forward_arguments(&mut outer_sig);
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| quote!(::goroutine), ToTokens::to_token_stream);
    // The program's own `main` exits with Go's status 2 when it panics;
    // another function under `#[goroutine::main]` is just a blocking call.
    let runner = if kind == Kind::Main && outer_sig.ident == "main" {
        Ident::new("run_program", Span::call_site())
    } else {
        Ident::new(kind.runner(), Span::call_site())
    };
    let workers = match args.workers {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let detect_deadlock = args.detect_deadlock;
    let panic_abort = args.panic_abort;
    let test_attr = match kind {
        Kind::Main => TokenStream::new(),
        Kind::Test => quote!(#[::core::prelude::v1::test]),
    };
    // A user's `#[test]` was reported above; drop it so the test is not
    // registered twice.
    let attrs = attrs
        .iter()
        .filter(|a| kind == Kind::Main || !is_test_attribute(a));

    let config = quote_spanned! {Span::call_site()=>
        #krate::__private::EntryConfig {
            workers: #workers,
            detect_deadlock: #detect_deadlock,
            panic_abort: #panic_abort,
        }
    };
    // The program's `main` takes no arguments; a function named `main` that
    // does (in a module, say) keeps its signature and `run_program`.
    let call = if runner == "run_program" && outer_sig.inputs.is_empty() {
        // The program's `main`: run as a goroutine on the workers when its
        // future is `Send`, else on this thread; chosen by method
        // resolution (see `__private::ProgramMain`). Its result becomes the
        // exit code inside the runner, so this `main` returns `ExitCode`.
        outer_sig.output = syn::parse_quote!(-> ::std::process::ExitCode);
        quote_spanned! {Span::call_site()=>
            #[allow(unused_imports)]
            use #krate::__private::{MainOnThread as _, MainOnWorkers as _};
            (&&#krate::__private::ProgramMain::new(#config, #entry(#(#forwarded),*))).run_program()
        }
    } else {
        quote_spanned! {Span::call_site()=>
            #krate::__private::#runner(#config, #entry(#(#forwarded),*))
        }
    };
    quote! {
        #(#attrs)*
        #test_attr
        #vis #outer_sig {
            #inner_sig #body
            #call
        }
    }
}

/// Gives every argument of the outer fn a plain name and returns the names,
/// which the outer fn passes on to the nested one. The user's patterns
/// (`mut n`, `(a, b)`) stay on the nested fn, where the body sees them.
fn forward_arguments(outer: &mut Signature) -> Vec<Ident> {
    let mut names = Vec::new();
    for (i, input) in outer.inputs.iter_mut().enumerate() {
        let FnArg::Typed(arg) = input else {
            continue; // `self` was reported by `check`.
        };
        let name = match &*arg.pat {
            // Keep the user's name, so docs of a `pub fn` read well.
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
            _ => Ident::new(&format!("__goroutine_arg{i}"), Span::mixed_site()),
        };
        arg.attrs.clear();
        *arg.pat = Pat::Ident(PatIdent {
            attrs: Vec::new(),
            by_ref: None,
            mutability: None,
            ident: name.clone(),
            subpat: None,
        });
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        entry(kind, args, item).to_string()
    }

    fn errors(kind: Kind, args: TokenStream, item: TokenStream) -> Vec<String> {
        let out = entry(kind, args, item);
        // `compile_error! { "msg" }` invocations, in order.
        let mut msgs = Vec::new();
        let tts: Vec<TokenTree> = out.into_iter().collect();
        for w in tts.windows(3) {
            if let (TokenTree::Ident(i), TokenTree::Group(g)) = (&w[0], &w[2]) {
                if i == "compile_error" {
                    let lit = g.stream().to_string();
                    msgs.push(lit.trim_matches('"').to_owned());
                }
            }
        }
        msgs
    }

    fn one_error(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        let e = errors(kind, args, item);
        assert_eq!(e.len(), 1, "expected one error, got {e:?}");
        e.into_iter().next().unwrap()
    }

    #[test]
    fn main_expands_to_sync_fn_running_program_main_with_defaults() {
        let out = expand_str(
            Kind::Main,
            quote!(),
            quote!(
                async fn main() {
                    work().await
                }
            ),
        );
        assert!(
            out.starts_with("fn main () -> :: std :: process :: ExitCode"),
            "{out}"
        );
        assert!(out.contains("async fn __goroutine_entry ()"), "{out}");
        // Runner chosen by method resolution: on the workers if `Send`.
        assert!(
            out.contains(":: goroutine :: __private :: ProgramMain :: new"),
            "{out}"
        );
        assert!(out.contains("MainOnWorkers as _"), "{out}");
        assert!(out.contains(". run_program ()"), "{out}");
        assert!(
            out.contains("workers : :: core :: option :: Option :: None"),
            "{out}"
        );
        assert!(out.contains("detect_deadlock : true"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn arguments_reach_entry_config() {
        let out = expand_str(
            Kind::Main,
            quote!(workers = 2, detect_deadlock = false, crate = "my::rt",),
            quote!(
                async fn main() {}
            ),
        );
        assert!(out.contains("Some (2usize)"), "{out}");
        assert!(out.contains("detect_deadlock : false"), "{out}");
        assert!(
            out.contains("my :: rt :: __private :: ProgramMain"),
            "{out}"
        );
        assert!(!out.contains(":: goroutine"), "{out}");
    }

    #[test]
    fn a_function_other_than_main_calls_run_main_not_run_program() {
        // Only the program's `main` exits the process when it panics.
        let out = expand_str(
            Kind::Main,
            quote!(),
            quote!(
                async fn helper(n: u64) -> u64 {
                    n
                }
            ),
        );
        assert!(
            out.contains(":: goroutine :: __private :: run_main"),
            "{out}"
        );
        assert!(!out.contains("run_program"), "{out}");
    }

    #[test]
    fn test_adds_test_attribute_after_user_attributes_and_calls_run_test() {
        let out = expand_str(
            Kind::Test,
            quote!(),
            quote!(
                #[should_panic]
                async fn boom() -> Result<(), E> {
                    Ok(())
                }
            ),
        );
        let panic_at = out.find("should_panic").unwrap();
        let test_at = out.find(":: core :: prelude :: v1 :: test").unwrap();
        assert!(panic_at < test_at, "{out}");
        assert!(out.contains("fn boom () -> Result < () , E >"), "{out}");
        assert!(out.contains("run_test"), "{out}");
    }

    #[test]
    fn missing_async_is_reported_and_fn_still_emitted() {
        let e = one_error(
            Kind::Main,
            quote!(),
            quote!(
                fn main() {}
            ),
        );
        assert!(e.contains("the `async` keyword is missing"), "{e}");
        assert!(e.contains("async fn main()"), "{e}");
        let out = expand_str(
            Kind::Main,
            quote!(),
            quote!(
                fn main() {}
            ),
        );
        assert!(out.contains("fn main ()"), "{out}");
    }

    #[test]
    fn unknown_argument_is_named_and_valid_ones_listed() {
        let e = one_error(
            Kind::Main,
            quote!(flavour = "x"),
            quote!(
                async fn main() {}
            ),
        );
        assert!(e.contains("unknown argument `flavour`"), "{e}");
        assert!(e.contains("workers = N"), "{e}");
        assert!(e.contains("detect_deadlock"), "{e}");
    }

    #[test]
    fn panic_abort_reaches_entry_config_of_main_only() {
        let item = quote!(
            async fn main() {}
        );
        let out = expand_str(Kind::Main, quote!(panic = "abort"), item.clone());
        assert!(out.contains("panic_abort : true"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
        let default = expand_str(Kind::Main, quote!(), item.clone());
        assert!(default.contains("panic_abort : false"), "{default}");
        let report = expand_str(Kind::Main, quote!(panic = "report"), item.clone());
        assert!(report.contains("panic_abort : false"), "{report}");
        let test = one_error(Kind::Test, quote!(panic = "abort"), item.clone());
        assert!(test.contains("whole test binary"), "{test}");
        let bare = one_error(Kind::Main, quote!(panic = abort), item.clone());
        assert!(bare.contains("`panic` takes a string"), "{bare}");
        let other = one_error(Kind::Main, quote!(panic = "unwind"), item.clone());
        assert!(other.contains("(the default)"), "{other}");
        let hint = one_error(Kind::Main, quote!(panic_policy = "abort"), item);
        assert!(hint.contains("did you mean `panic"), "{hint}");
    }

    #[test]
    fn tokio_argument_names_get_a_hint() {
        let e = one_error(
            Kind::Test,
            quote!(worker_threads = 2),
            quote!(
                async fn t() {}
            ),
        );
        assert!(e.contains("did you mean `workers`"), "{e}");
    }

    #[test]
    fn workers_zero_and_non_integers_are_rejected() {
        let item = quote!(
            async fn main() {}
        );
        let zero = one_error(Kind::Main, quote!(workers = 0), item.clone());
        assert!(zero.contains("at least 1"), "{zero}");
        let string = one_error(Kind::Main, quote!(workers = "4"), item.clone());
        assert!(string.contains("write `workers = 4`"), "{string}");
        let neg = one_error(Kind::Main, quote!(workers = -1), item.clone());
        assert!(neg.contains("positive integer"), "{neg}");
        let float = one_error(Kind::Main, quote!(workers = 1.5), item.clone());
        assert!(float.contains("positive integer literal"), "{float}");
        let bare = one_error(Kind::Main, quote!(workers), item);
        assert!(bare.contains("needs a value"), "{bare}");
    }

    #[test]
    fn detect_deadlock_takes_only_bool_literals() {
        let item = quote!(
            async fn main() {}
        );
        let s = one_error(Kind::Main, quote!(detect_deadlock = "false"), item.clone());
        assert!(s.contains("write `detect_deadlock = false`"), "{s}");
        let n = one_error(Kind::Main, quote!(detect_deadlock = 1), item);
        assert!(n.contains("`true` or `false`"), "{n}");
    }

    #[test]
    fn crate_takes_a_string_path() {
        let item = quote!(
            async fn main() {}
        );
        let bare = one_error(Kind::Main, quote!(crate = my::rt), item.clone());
        assert!(bare.contains("write `crate = \\\"my::rt\\\"`"), "{bare}");
        let bad = one_error(Kind::Main, quote!(crate = "not a path"), item);
        assert!(bad.contains("must name a path"), "{bad}");
    }

    #[test]
    fn duplicate_argument_is_rejected() {
        let e = one_error(
            Kind::Main,
            quote!(workers = 1, workers = 2),
            quote!(
                async fn main() {}
            ),
        );
        assert!(e.contains("duplicate argument `workers`"), "{e}");
    }

    #[test]
    fn every_bad_argument_is_reported_at_once() {
        let e = errors(
            Kind::Main,
            quote!(workers = 0, flavor = "multi_thread", detect_deadlock = yes),
            quote!(
                fn main() {}
            ),
        );
        assert_eq!(e.len(), 4, "{e:?}");
    }

    #[test]
    fn main_with_arguments_is_rejected_without_follow_up_errors() {
        let item = quote!(
            async fn main(args: Vec<String>) {}
        );
        let e = one_error(Kind::Main, quote!(), item.clone());
        assert!(e.contains("`main` cannot take arguments"), "{e}");
        let out = expand_str(Kind::Main, quote!(), item);
        assert!(out.contains("fn main () {"), "{out}");
        assert!(out.contains("unreachable"), "{out}");
    }

    #[test]
    fn main_attribute_on_other_fn_forwards_its_arguments() {
        let item = quote!(
            async fn run(mut n: u32, (a, b): (u8, u8), s: &str) -> u32 {
                n
            }
        );
        let e = errors(Kind::Main, quote!(), item.clone());
        assert!(e.is_empty(), "{e:?}");
        let out = expand_str(Kind::Main, quote!(), item);
        assert!(
            out.starts_with("fn run (n : u32 , __goroutine_arg1 : (u8 , u8) , s : & str) -> u32"),
            "{out}"
        );
        assert!(
            out.contains("(mut n : u32 , (a , b) : (u8 , u8) , s : & str)"),
            "{out}"
        );
        assert!(
            out.contains("__goroutine_entry (n , __goroutine_arg1 , s)"),
            "{out}"
        );
    }

    #[test]
    fn methods_are_rejected() {
        let e = one_error(
            Kind::Main,
            quote!(),
            quote!(
                async fn run(&self) {}
            ),
        );
        assert!(e.contains("cannot be used on a method"), "{e}");
    }

    #[test]
    fn generic_main_is_rejected() {
        let e = one_error(
            Kind::Main,
            quote!(),
            quote!(
                async fn main<T: Default>() {}
            ),
        );
        assert!(e.contains("generic parameters"), "{e}");
    }

    #[test]
    fn test_with_arguments_is_rejected() {
        let e = one_error(
            Kind::Test,
            quote!(),
            quote!(
                async fn t(n: u32) {}
            ),
        );
        assert!(e.contains("test functions cannot take arguments"), "{e}");
    }

    #[test]
    fn explicit_test_attribute_is_rejected_and_dropped() {
        let item = quote!(
            #[test]
            async fn t() {}
        );
        let e = one_error(Kind::Test, quote!(), item.clone());
        assert!(e.contains("already adds `#[test]`"), "{e}");
        let out = expand_str(Kind::Test, quote!(), item);
        assert_eq!(out.matches("v1 :: test]").count(), 1, "{out}");
        assert!(!out.contains("# [test]"), "{out}");
        let e = one_error(
            Kind::Test,
            quote!(),
            quote!(
                #[::std::prelude::rust_2021::test]
                async fn t() {}
            ),
        );
        assert!(e.contains("already adds"), "{e}");
    }

    #[test]
    fn non_function_item_is_returned_with_an_error() {
        let e = one_error(
            Kind::Main,
            quote!(),
            quote!(
                struct S;
            ),
        );
        assert!(e.contains("can only be applied to an `async fn`"), "{e}");
    }

    #[test]
    fn trailing_comma_and_raw_argument_names_are_accepted() {
        let e = errors(
            Kind::Main,
            quote!(workers = 3,),
            quote!(
                async fn main() {}
            ),
        );
        assert!(e.is_empty(), "{e:?}");
        let e = errors(
            Kind::Main,
            quote!(r#workers = 3),
            quote!(
                async fn main() {}
            ),
        );
        assert!(e.is_empty(), "{e:?}");
    }
}
