//! `select!`: Go's `select` statement as a macro.
//!
//! Stages, each a group of rules of the hidden `__select!` macro:
//!
//! 1. **Parse** (`@s`): one arm per expansion step, so a select of 64 arms
//!    stays within the default recursion limit. The pattern is collected up
//!    to its `=` (three tokens at a time; most patterns end in the first
//!    step); then the future, an optional `, if guard`, and the body (a
//!    block, whose comma is optional, or an expression and a comma). Each
//!    arm takes an index, a binding name, and an output enum variant and
//!    type parameter from a fixed list of 64 (more arms is a compile error).
//!    `default => body` is kept aside.
//! 2. **Emit** (`@emit`): one `match` whose scrutinee evaluates every enabled
//!    arm's future in source order (so temporaries in the arm expressions
//!    live until the choice is made), pins them on the stack, and polls them
//!    with [`Select::poll`](crate::select::Select::poll) inside `poll_fn`;
//!    the chosen arm's output comes out as a variant of a local enum. A
//!    second `match`, outside any closure or loop of ours, binds the user's
//!    pattern and runs the body, so `break`, `continue`, `return` and `?`
//!    act on the enclosing function or loop.
//!
//! A refutable pattern is tested right after its arm completes, against a
//! reference to the output, with `mut` and `ref` removed (`__select_clean!`),
//! so a mismatch can disable the arm and go on waiting.

/// Waits on several channel operations (or any futures) at once and runs
/// the arm of the one that completes first: Go's `select`.
///
/// ```text
/// select! {
///     [biased;]
///     pattern = future [, if guard] => body[,]
///     ...
///     [default => body[,]]
/// }
/// ```
///
/// * Each enabled arm's future expression is evaluated once, in source
///   order, when the `select!` is entered; an arm whose guard is false is
///   disabled and its expression is not evaluated (Go's nil channel).
/// * Exactly one arm runs. Among arms ready at the same moment one is
///   chosen uniformly at random; `biased;` polls them in written order.
/// * A channel operation of this crate that does not win has no effect: a
///   losing send arm delivers nothing, even to a receiver that is itself in
///   a `select!` on an unbuffered channel, and a losing receive takes
///   nothing. Any other future may be an arm too (a timer, a `JoinHandle`,
///   an `async` block); if it completes at the very moment another arm
///   wins, its output is dropped. One limit: a channel operation inside a
///   combinator that polls a child only when that child's own waker fired
///   (`FuturesUnordered`, `buffer_unordered`) may not be woken once parked
///   in a `select!`; await such a stream outside the `select!`, or send its
///   items through a channel.
/// * `default` runs at once when no arm is ready. (When the goroutine's
///   coop budget is spent, operations cannot tell; the `select!` then
///   yields once first, so a `loop` around it keeps seeing ready arms, as
///   Go's `for { select { ...; default: } }` does.)
/// * If the output does not match a refutable pattern, that arm is disabled
///   for the rest of this `select!` and the others are still awaited. With
///   every arm disabled and no `default`, the `select!` waits forever, as Go's
///   `select {}` does (and so does an empty `select! {}`).
/// * `select!` is an expression: its value is the chosen body's value. Bodies
///   may `break`, `continue`, `return` and use `?` for the enclosing function
///   or loop. Commas after block bodies are optional.
/// * Temporaries in arm expressions live until an arm is chosen, so Go's
///   `case <-time.After(d):` is written `_ = time::after(d).recv() => ..`.
///   The arm futures are dropped before the body runs, so a body may use what
///   they borrowed.
///
/// At most 64 arms. Must be used inside `async` code.
///
/// # Fine print
///
/// The no-loss promise covers the `send` and `recv` futures of this crate
/// (and `Receiver`'s `Stream`), also inside an `async` block arm: an arm
/// whose channel operation completes has won, and the rest of its block then
/// runs as part of that arm. Create arm futures in the `select!`: a `send`
/// future polled elsewhere first may already have parked outside the
/// select's claim. Synchronous calls such as `try_send` inside an arm's
/// block take no part in the claim. A `select!` nested in an arm of another
/// (Go has no such thing) is only partly covered: once both have parked,
/// a partner can complete an operation of the inner `select!` while another
/// arm of the outer one wins. The inner body then does not run, but the
/// operation stands: a sent value stays delivered, and a received one is
/// put back at the head of its channel (its sender saw the send complete).
/// Where that matters, make the inner operations arms of the outer
/// `select!` instead.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// use goroutine::chan;
///
/// let (jobs_tx, jobs_rx) = chan::bounded::<u32>(0);
/// let (quit_tx, quit_rx) = chan::bounded::<()>(0);
/// goroutine::go!(async move {
///     for j in 1..=3 {
///         jobs_tx.send(j).await.unwrap();
///     }
///     quit_tx.send(()).await.unwrap();
/// });
/// let mut done = Vec::new();
/// loop {
///     goroutine::select! {
///         Some(j) = jobs_rx.recv() => done.push(j),
///         _ = quit_rx.recv() => break,
///     }
/// }
/// assert_eq!(done, [1, 2, 3]);
/// # });
/// ```
///
/// A send arm, a guard, and `default`:
///
/// ```
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded(1);
/// let mut sent = 0;
/// for _ in 0..3 {
///     goroutine::select! {
///         r = tx.send(sent), if sent < 10 => { r.unwrap(); sent += 1 }
///         default => {}   // the buffer is full: do not wait
///     }
/// }
/// assert_eq!(sent, 1);
/// assert_eq!(rx.try_recv(), Ok(0));
/// # });
/// ```
///
/// # Go
///
/// | Go | `select!` |
/// |---|---|
/// | `case v, ok := <-ch:` | `v = rx.recv() =>` (`v: Option<T>`) |
/// | `case v := <-ch:` (channel never closed) | `Some(v) = rx.recv() =>` |
/// | `case ch <- x:` | `r = tx.send(x) =>` (`r: Result<(), SendError<T>>`) |
/// | `case <-time.After(d):` | `_ = time::after(d).recv() =>` |
/// | nil channel | `, if false` guard |
/// | `default:` | `default =>` |
#[macro_export]
macro_rules! select {
    () => {
        match $crate::__private::forever().await {}
    };
    (biased; $($t:tt)*) => {
        $crate::__select!(@start [true] $($t)*)
    };
    ($($t:tt)*) => {
        $crate::__select!(@start [false] $($t)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select {
    // Hands the arm parser the names of up to 64 arms, once for both
    // `select!` forms.
    (@start [$biased:tt] $($t:tt)*) => {
        $crate::__select!(@s [$biased] [] [] [(0 __s0 __V0 __T0) (1 __s1 __V1 __T1) (2 __s2 __V2 __T2) (3 __s3 __V3 __T3) (4 __s4 __V4 __T4) (5 __s5 __V5 __T5) (6 __s6 __V6 __T6) (7 __s7 __V7 __T7) (8 __s8 __V8 __T8) (9 __s9 __V9 __T9) (10 __s10 __V10 __T10) (11 __s11 __V11 __T11) (12 __s12 __V12 __T12) (13 __s13 __V13 __T13) (14 __s14 __V14 __T14) (15 __s15 __V15 __T15) (16 __s16 __V16 __T16) (17 __s17 __V17 __T17) (18 __s18 __V18 __T18) (19 __s19 __V19 __T19) (20 __s20 __V20 __T20) (21 __s21 __V21 __T21) (22 __s22 __V22 __T22) (23 __s23 __V23 __T23) (24 __s24 __V24 __T24) (25 __s25 __V25 __T25) (26 __s26 __V26 __T26) (27 __s27 __V27 __T27) (28 __s28 __V28 __T28) (29 __s29 __V29 __T29) (30 __s30 __V30 __T30) (31 __s31 __V31 __T31) (32 __s32 __V32 __T32) (33 __s33 __V33 __T33) (34 __s34 __V34 __T34) (35 __s35 __V35 __T35) (36 __s36 __V36 __T36) (37 __s37 __V37 __T37) (38 __s38 __V38 __T38) (39 __s39 __V39 __T39) (40 __s40 __V40 __T40) (41 __s41 __V41 __T41) (42 __s42 __V42 __T42) (43 __s43 __V43 __T43) (44 __s44 __V44 __T44) (45 __s45 __V45 __T45) (46 __s46 __V46 __T46) (47 __s47 __V47 __T47) (48 __s48 __V48 __T48) (49 __s49 __V49 __T49) (50 __s50 __V50 __T50) (51 __s51 __V51 __T51) (52 __s52 __V52 __T52) (53 __s53 __V53 __T53) (54 __s54 __V54 __T54) (55 __s55 __V55 __T55) (56 __s56 __V56 __T56) (57 __s57 __V57 __T57) (58 __s58 __V58 __T58) (59 __s59 __V59 __T59) (60 __s60 __V60 __T60) (61 __s61 __V61 __T61) (62 __s62 __V62 __T62) (63 __s63 __V63 __T63)] [] $($t)*)
    };
    // ===== 1. Parse, pairing each arm with a name as it completes =====
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [$($ids:tt)*] []) => {
        $crate::__select!(@emit [$b] [$($d)*] [$($a)*])
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [$($ids:tt)*] [] , $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)*] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [] [$($a:tt)*] [$($ids:tt)*] [] default => $body:block $($rest:tt)*) => {
        $crate::__select!(@s [$b] [($body)] [$($a)*] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [] [$($a:tt)*] [$($ids:tt)*] [] default => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select!(@s [$b] [($body)] [$($a)*] [$($ids)*] [] $($($rest)*)?)
    };
    (@s [$b:tt] [$($d:tt)+] [$($a:tt)*] [$($ids:tt)*] [] default => $($rest:tt)*) => {
        ::core::compile_error!("select!: more than one `default` arm")
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [] [$($p:tt)*] $($rest:tt)+) => {
        ::core::compile_error!("select!: at most 64 arms")
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)+]
         = $f:expr, if $g:expr => $body:block, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)+ ) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)+]
         = $f:expr, if $g:expr => $body:block $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)+ ) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)+]
         = $f:expr, if $g:expr => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)+ ) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)+]
         = $f:expr, if $g:expr => $body:expr) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)+ ) ($f) [if $g] ($body) }] [$($ids)*] [] )
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)+]
         = $f:expr => $body:block, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)+ ) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)+]
         = $f:expr => $body:block $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)+ ) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)+]
         = $f:expr => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)+ ) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)+]
         = $f:expr => $body:expr) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)+ ) ($f) [] ($body) }] [$($ids)*] [] )
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt = $f:expr, if $g:expr => $body:block, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt = $f:expr, if $g:expr => $body:block $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt = $f:expr, if $g:expr => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt = $f:expr, if $g:expr => $body:expr) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0) ($f) [if $g] ($body) }] [$($ids)*] [] )
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt = $f:expr => $body:block, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt = $f:expr => $body:block $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt = $f:expr => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt = $f:expr => $body:expr) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0) ($f) [] ($body) }] [$($ids)*] [] )
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt $x1:tt = $f:expr, if $g:expr => $body:block, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0 $x1) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt $x1:tt = $f:expr, if $g:expr => $body:block $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0 $x1) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt $x1:tt = $f:expr, if $g:expr => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0 $x1) ($f) [if $g] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt $x1:tt = $f:expr, if $g:expr => $body:expr) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0 $x1) ($f) [if $g] ($body) }] [$($ids)*] [] )
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt $x1:tt = $f:expr => $body:block, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0 $x1) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt $x1:tt = $f:expr => $body:block $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0 $x1) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt $x1:tt = $f:expr => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0 $x1) ($f) [] ($body) }] [$($ids)*] [] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [($i:tt $s:ident $v:ident $t:ident) $($ids:tt)*] [$($p:tt)*]
        $x0:tt $x1:tt = $f:expr => $body:expr) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)* { $i $s $v $t ($($p)* $x0 $x1) ($f) [] ($body) }] [$($ids)*] [] )
    };
    // No `=` among the next three tokens: they all belong to the pattern.
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [$($ids:tt)*] [$($p:tt)*] $x0:tt $x1:tt $x2:tt $($rest:tt)*) => {
        $crate::__select!(@s [$b] [$($d)*] [$($a)*] [$($ids)*] [$($p)* $x0 $x1 $x2] $($rest)*)
    };
    (@s [$b:tt] [$($d:tt)*] [$($a:tt)*] [$($ids:tt)*] [$($p:tt)*] $($rest:tt)+) => {
        ::core::compile_error!("select!: expected `pattern = future => body`")
    };

    // ===== 2. Emit =====
    (@emit [$b:tt] [] []) => {
        match $crate::__private::forever().await {}
    };
    (@emit [$b:tt] [($body:tt)] []) => {
        $body
    };
    (@emit [$b:tt] [$($d:tt)*] [$($a:tt)+]) => {
        $crate::__select!(@out [$b] [$($d)*] $($a)+)
    };
    (@out [$b:tt] [$($d:tt)*] $({ $i:tt $s:ident $v:ident $t:ident ($($p:tt)+) ($f:expr) [$($g:tt)*] ($body:tt) })+) => {{
        #[allow(non_camel_case_types, dead_code, clippy::large_enum_variant)]
        enum __SelectOut<$($t,)+> { $($v($t),)+ }
        // `mut`: an arm's pattern may bind `ref mut`.
        #[allow(unused_mut)]
        let mut __select_out = match ($($crate::__select_init!(($f) $($g)*),)+) {
            ($($s,)+) => {
                $(let mut $s = ::core::pin::pin!($s);)+
                let mut __select = $crate::__private::Select::new(
                    0u64 $(| ((::core::option::Option::is_some(&*$s) as u64) << $i))+,
                    $b,
                    $crate::__select_has_default!($($d)*),
                );
                ::core::future::poll_fn(|__cx| {
                    __select.poll(__cx, |__arm, __cx| match __arm {
                        $($i => $crate::__select_poll_arm!($s, __cx, __SelectOut::$v, $($p)+),)+
                        _ => ::core::unreachable!(),
                    })
                })
                .await
            }
        };
        #[allow(unreachable_patterns, unreachable_code, clippy::match_single_binding)]
        match __select_out {
            $(::core::option::Option::Some(__SelectOut::$v($($p)+)) => $body,)+
            ::core::option::Option::None => $crate::__select_default!($($d)*),
            _ => ::core::unreachable!("select!: an arm's pattern stopped matching"),
        }
    }};
}

/// Evaluates one arm's future, or nothing when its guard is false.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_init {
    (($f:expr)) => {
        ::core::option::Option::Some(::core::future::IntoFuture::into_future($f))
    };
    (($f:expr) if $g:expr) => {
        // A labelled block rather than `if`: the tail expression's
        // temporaries then live as long as the enclosing `match`.
        '__guard: {
            if !$g {
                break '__guard ::core::option::Option::None;
            }
            ::core::option::Option::Some(::core::future::IntoFuture::into_future($f))
        }
    };
}

/// Polls one arm and tests its pattern.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_poll_arm {
    ($s:ident, $cx:ident, $($variant:ident)::+, $($p:tt)+) => {
        match $s.as_mut().as_pin_mut() {
            ::core::option::Option::None => $crate::__private::ArmPoll::Pending,
            ::core::option::Option::Some(__fut) => match ::core::future::Future::poll(__fut, $cx) {
                ::core::task::Poll::Pending => $crate::__private::ArmPoll::Pending,
                ::core::task::Poll::Ready(__value) => {
                    #[allow(unused_variables, unreachable_patterns, clippy::match_single_binding)]
                    match &__value {
                        $crate::__select_clean!($($p)+) => {
                            $crate::__private::ArmPoll::Ready($($variant)::+(__value))
                        }
                        _ => $crate::__private::ArmPoll::Mismatch,
                    }
                }
            },
        }
    };
}

/// `true` if a `default` arm was given.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_has_default {
    () => {
        false
    };
    ($($d:tt)+) => {
        true
    };
}

/// The `default` body, or unreachable without one.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_default {
    () => {
        ::core::unreachable!("select!: no arm won and there is no default")
    };
    (($body:tt)) => {
        $body
    };
}

/// A pattern with `mut` and `ref` removed, to test it against a reference
/// to the output without moving out of it.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_clean {
    (@c [] [$($a:tt)*]) => { $($a)* };
    (@c [$($s:tt)*] [$($a:tt)*] mut $($i:tt)*) => {
        $crate::__select_clean!(@c [$($s)*] [$($a)*] $($i)*)
    };
    (@c [$($s:tt)*] [$($a:tt)*] ref $($i:tt)*) => {
        $crate::__select_clean!(@c [$($s)*] [$($a)*] $($i)*)
    };
    (@c [[$($prev:tt)*] $($s:tt)*] [$($a:tt)*] ;p $($i:tt)*) => {
        $crate::__select_clean!(@c [$($s)*] [$($prev)* ($($a)*)] $($i)*)
    };
    (@c [[$($prev:tt)*] $($s:tt)*] [$($a:tt)*] ;b $($i:tt)*) => {
        $crate::__select_clean!(@c [$($s)*] [$($prev)* [$($a)*]] $($i)*)
    };
    (@c [[$($prev:tt)*] $($s:tt)*] [$($a:tt)*] ;c $($i:tt)*) => {
        $crate::__select_clean!(@c [$($s)*] [$($prev)* {$($a)*}] $($i)*)
    };
    (@c [$($s:tt)*] [$($a:tt)*] ($($g:tt)*) $($i:tt)*) => {
        $crate::__select_clean!(@c [[$($a)*] $($s)*] [] $($g)* ;p $($i)*)
    };
    (@c [$($s:tt)*] [$($a:tt)*] [$($g:tt)*] $($i:tt)*) => {
        $crate::__select_clean!(@c [[$($a)*] $($s)*] [] $($g)* ;b $($i)*)
    };
    (@c [$($s:tt)*] [$($a:tt)*] {$($g:tt)*} $($i:tt)*) => {
        $crate::__select_clean!(@c [[$($a)*] $($s)*] [] $($g)* ;c $($i)*)
    };
    (@c [$($s:tt)*] [$($a:tt)*] $t:tt $($i:tt)*) => {
        $crate::__select_clean!(@c [$($s)*] [$($a)* $t] $($i)*)
    };
    ($($p:tt)+) => {
        $crate::__select_clean!(@c [] [] $($p)+)
    };
}
