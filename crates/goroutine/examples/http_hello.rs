//! A minimal HTTP/1.1 server, one goroutine per connection: answers every
//! request with "Hello, World!".
//!
//! ```text
//! cargo run --release --example http_hello -- [ADDR] [WORKERS]
//! curl -i http://127.0.0.1:8080/
//! ```
//!
//! `ADDR` defaults to `127.0.0.1:8080` (or `$HTTP_ADDR`), `WORKERS` to
//! `$GOMAXPROCS` or one per core. The address it listens on is printed
//! first (`listening on http://ADDR`). `$HTTP_READ_TIMEOUT_MS` (default
//! 10,000) bounds how long one request may take to arrive;
//! `$HTTP_IDLE_TIMEOUT_MS` (default 120,000) how long a keep-alive
//! connection may sit idle between requests.
//!
//! What it does, as a real server must:
//! - keep-alive by default for HTTP/1.1, `Connection: close` honoured,
//!   HTTP/1.0 keep-alive on request;
//! - pipelined requests answered in order, all responses that are ready
//!   written with one system call;
//! - `Content-Length` bodies read and discarded; `Transfer-Encoding`
//!   refused with 501;
//! - malformed requests get `400 Bad Request` (oversized heads `431`) and
//!   the connection is closed gracefully, so the client sees the response;
//! - slow clients: a request that has not fully arrived within the read
//!   timeout gets `408` and is closed; idle connections are closed quietly;
//! - no allocation per request: each connection owns one input buffer and
//!   one output buffer for its life.
//!
//! The parser (`http1`) knows nothing of goroutines; the tokio comparison
//! server in `benches/examples/net_tokio_hand.rs` includes this file to use
//! the very same code.

use std::io;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use goroutine::net::{TcpListener, TcpStream};

/// HTTP/1.1 request parsing and response writing, on byte slices only.
pub mod http1 {
    /// Largest request head (request line and headers) accepted; also the
    /// size of a connection's input buffer.
    pub const MAX_HEAD: usize = 8 * 1024;
    /// Most header fields in one request.
    pub const MAX_HEADERS: usize = 100;

    /// A request head that has fully arrived.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Request {
        /// Bytes of the head, blank line included.
        pub head_len: usize,
        /// `Content-Length` of the body that follows (0 without one).
        pub body_len: u64,
        /// Whether the connection stays open after the response.
        pub keep_alive: bool,
        /// HTTP/1.0 (the response then says `Connection: keep-alive` to
        /// keep the connection open).
        pub http10: bool,
        /// A `HEAD` request: the response has no body.
        pub head_only: bool,
    }

    /// What [`parse`] found at the start of the buffer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Parse {
        /// A whole head.
        Complete(Request),
        /// The head so far is well formed but has not fully arrived.
        Partial,
        /// Malformed: answer with this status and close.
        Invalid(Status),
    }

    /// Error statuses the server sends before closing.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Status {
        /// 400: malformed request.
        BadRequest,
        /// 408: the request did not arrive in time.
        RequestTimeout,
        /// 431: the head is larger than [`MAX_HEAD`] or has too many fields.
        HeadTooLarge,
        /// 501: a `Transfer-Encoding` this server does not implement.
        NotImplemented,
    }

    /// Parses the request head at the start of `buf`. Lines end in CRLF
    /// (a bare LF is accepted too, as RFC 9112 allows); empty lines before
    /// the request line are skipped. Each complete line is checked as soon
    /// as it arrives, so garbage is refused without waiting for more.
    pub fn parse(buf: &[u8]) -> Parse {
        let mut pos = 0;
        // Request line, after any empty lines.
        let line = loop {
            match next_line(buf, pos) {
                None => return partial_or_too_large(buf.len()),
                Some((line, next)) => {
                    pos = next;
                    if !line.is_empty() {
                        break line;
                    }
                }
            }
        };
        let Some((method, http10)) = request_line(line) else {
            return Parse::Invalid(Status::BadRequest);
        };
        let mut req = Request {
            head_len: 0,
            body_len: 0,
            keep_alive: !http10,
            http10,
            head_only: method == b"HEAD",
        };
        let mut content_length: Option<u64> = None;
        let mut host = false;
        let mut fields = 0;
        loop {
            let Some((line, next)) = next_line(buf, pos) else {
                return partial_or_too_large(buf.len());
            };
            pos = next;
            if line.is_empty() {
                break;
            }
            fields += 1;
            if fields > MAX_HEADERS {
                return Parse::Invalid(Status::HeadTooLarge);
            }
            let Some((name, value)) = header(line) else {
                return Parse::Invalid(Status::BadRequest);
            };
            if name.eq_ignore_ascii_case(b"content-length") {
                let Some(n) = parse_length(value) else {
                    return Parse::Invalid(Status::BadRequest);
                };
                if content_length.is_some_and(|m| m != n) {
                    return Parse::Invalid(Status::BadRequest);
                }
                content_length = Some(n);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                return Parse::Invalid(Status::NotImplemented);
            } else if name.eq_ignore_ascii_case(b"connection") {
                for token in value.split(|&b| b == b',') {
                    let token = trim(token);
                    if token.eq_ignore_ascii_case(b"close") {
                        req.keep_alive = false;
                    } else if token.eq_ignore_ascii_case(b"keep-alive") && http10 {
                        req.keep_alive = true;
                    }
                }
            } else if name.eq_ignore_ascii_case(b"host") {
                if host {
                    return Parse::Invalid(Status::BadRequest);
                }
                host = true;
            }
        }
        if !host && !http10 {
            // RFC 9112, section 3.2: a 1.1 request without Host is a 400.
            return Parse::Invalid(Status::BadRequest);
        }
        if pos > MAX_HEAD {
            return Parse::Invalid(Status::HeadTooLarge);
        }
        req.head_len = pos;
        req.body_len = content_length.unwrap_or(0);
        Parse::Complete(req)
    }

    fn partial_or_too_large(len: usize) -> Parse {
        if len >= MAX_HEAD {
            Parse::Invalid(Status::HeadTooLarge)
        } else {
            Parse::Partial
        }
    }

    /// The line starting at `pos` without its terminator, and where the
    /// next one starts; `None` if it has not fully arrived.
    fn next_line(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
        let rest = &buf[pos..];
        let lf = rest.iter().position(|&b| b == b'\n')?;
        let line = &rest[..lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Some((line, pos + lf + 1))
    }

    /// `METHOD SP target SP HTTP/1.x`: the method and whether it is 1.0.
    fn request_line(line: &[u8]) -> Option<(&[u8], bool)> {
        let sp = line.iter().position(|&b| b == b' ')?;
        let (method, rest) = (&line[..sp], &line[sp + 1..]);
        let sp = rest.iter().position(|&b| b == b' ')?;
        let (target, version) = (&rest[..sp], &rest[sp + 1..]);
        if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
            return None;
        }
        if target.is_empty() || !target.iter().all(|&b| b > b' ' && b != 0x7f) {
            return None;
        }
        match version {
            b"HTTP/1.1" => Some((method, false)),
            b"HTTP/1.0" => Some((method, true)),
            _ => None,
        }
    }

    /// `name: value`, with the value's surrounding whitespace trimmed.
    fn header(line: &[u8]) -> Option<(&[u8], &[u8])> {
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        // No whitespace before the colon, no obsolete line folding.
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return None;
        }
        let value = trim(value);
        if !value
            .iter()
            .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)
        {
            return None;
        }
        Some((name, value))
    }

    fn parse_length(value: &[u8]) -> Option<u64> {
        if value.is_empty() || value.len() > 19 {
            return None;
        }
        value.iter().try_fold(0u64, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
        })
    }

    fn trim(mut s: &[u8]) -> &[u8] {
        while let [b' ' | b'\t', rest @ ..] = s {
            s = rest;
        }
        while let [rest @ .., b' ' | b'\t'] = s {
            s = rest;
        }
        s
    }

    /// RFC 9110 token characters.
    fn is_tchar(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
    }

    /// What a connection does once the responses
    /// [`Conn::process`] produced are written.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Next {
        /// Read more input.
        Read,
        /// Close; `drain`: after an error, or with input left unread, so
        /// the peer may still be sending (see "lingering close").
        Close {
            /// Read and discard input briefly before closing.
            drain: bool,
        },
    }

    /// One connection's buffers and parsing state, independent of how its
    /// bytes are read and written. Two allocations per connection, none
    /// per request.
    #[derive(Debug)]
    pub struct Conn {
        buf: Vec<u8>,
        start: usize,
        end: usize,
        /// Body bytes of the current request still to discard.
        skip: u64,
        out: Vec<u8>,
    }

    impl Default for Conn {
        fn default() -> Conn {
            Conn::new()
        }
    }

    impl Conn {
        /// Empty buffers: [`MAX_HEAD`] bytes of input space.
        pub fn new() -> Conn {
            Conn {
                buf: vec![0; MAX_HEAD],
                start: 0,
                end: 0,
                skip: 0,
                out: Vec::new(),
            }
        }

        /// Answers every complete request in the input (pipelining),
        /// appending the responses to [`output`](Conn::output), and says
        /// what to do next.
        pub fn process(&mut self) -> Next {
            let date = now_date();
            loop {
                if self.skip > 0 {
                    let n = self.skip.min((self.end - self.start) as u64);
                    self.start += n as usize;
                    self.skip -= n;
                    if self.skip > 0 {
                        return Next::Read;
                    }
                }
                if self.start == self.end {
                    return Next::Read;
                }
                match parse(&self.buf[self.start..self.end]) {
                    Parse::Complete(req) => {
                        self.start += req.head_len;
                        self.skip = req.body_len;
                        write_hello(&mut self.out, &req, &date);
                        if !req.keep_alive {
                            let drain = self.start < self.end || self.skip > 0;
                            return Next::Close { drain };
                        }
                    }
                    Parse::Partial => return Next::Read,
                    Parse::Invalid(status) => {
                        write_error(&mut self.out, status, &date);
                        return Next::Close { drain: true };
                    }
                }
            }
        }

        /// Responses waiting to be written, in one piece.
        pub fn output(&self) -> &[u8] {
            &self.out
        }

        /// The output was written.
        pub fn clear_output(&mut self) {
            self.out.clear();
        }

        /// Appends an error response (e.g. [`Status::RequestTimeout`]).
        pub fn fail(&mut self, status: Status) {
            write_error(&mut self.out, status, &now_date());
        }

        /// True while a request has partly arrived (its deadline runs).
        pub fn in_request(&self) -> bool {
            self.end > self.start || self.skip > 0
        }

        /// Free input space to read into, after moving any partial
        /// request to the front. Never empty: [`process`](Conn::process)
        /// refuses heads that would fill the buffer.
        pub fn read_buf(&mut self) -> &mut [u8] {
            if self.start == self.end {
                (self.start, self.end) = (0, 0);
            } else if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                (self.start, self.end) = (0, self.end - self.start);
            }
            &mut self.buf[self.end..]
        }

        /// `n` bytes were read into [`read_buf`](Conn::read_buf).
        pub fn filled(&mut self, n: usize) {
            self.end += n;
        }
    }

    /// The body every request gets.
    pub const HELLO: &[u8] = b"Hello, World!";

    /// Appends the "Hello, World!" response to `out`. `date` is an
    /// IMF-fixdate (see [`http_date`]).
    pub fn write_hello(out: &mut Vec<u8>, req: &Request, date: &[u8; 29]) {
        out.extend_from_slice(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\nDate: ",
        );
        out.extend_from_slice(date);
        out.extend_from_slice(match (req.keep_alive, req.http10) {
            (false, _) => b"\r\nConnection: close\r\n\r\n",
            (true, true) => b"\r\nConnection: keep-alive\r\n\r\n",
            (true, false) => b"\r\n\r\n",
        });
        if !req.head_only {
            out.extend_from_slice(HELLO);
        }
    }

    /// Appends an error response that announces the connection's close.
    pub fn write_error(out: &mut Vec<u8>, status: Status, date: &[u8; 29]) {
        let (line, body): (&[u8], &[u8]) = match status {
            Status::BadRequest => (b"400 Bad Request", b"Bad Request"),
            Status::RequestTimeout => (b"408 Request Timeout", b"Request Timeout"),
            Status::HeadTooLarge => (
                b"431 Request Header Fields Too Large",
                b"Request Header Fields Too Large",
            ),
            Status::NotImplemented => (b"501 Not Implemented", b"Not Implemented"),
        };
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\nDate: ");
        out.extend_from_slice(date);
        out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
        out.extend_from_slice(body);
    }

    /// `secs` since the Unix epoch as an IMF-fixdate,
    /// e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    pub fn http_date(secs: u64) -> [u8; 29] {
        const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
        const MONTHS: [&[u8; 3]; 12] = [
            b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
            b"Dec",
        ];
        let days = secs / 86_400;
        let rem = secs % 86_400;
        let (y, m, d) = civil_from_days(days as i64);
        let mut out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
        out[..3].copy_from_slice(DAYS[(days % 7) as usize]);
        put2(&mut out[5..7], d);
        out[8..11].copy_from_slice(MONTHS[(m - 1) as usize]);
        put2(&mut out[12..14], (y / 100) as u32);
        put2(&mut out[14..16], (y % 100) as u32);
        put2(&mut out[17..19], (rem / 3600) as u32);
        put2(&mut out[20..22], (rem / 60 % 60) as u32);
        put2(&mut out[23..25], (rem % 60) as u32);
        out
    }

    fn put2(dst: &mut [u8], v: u32) {
        dst[0] = b'0' + (v / 10 % 10) as u8;
        dst[1] = b'0' + (v % 10) as u8;
    }

    /// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
    /// (Howard Hinnant's `civil_from_days`).
    fn civil_from_days(z: i64) -> (i64, u32, u32) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d)
    }

    /// The current date, formatted at most once a second per thread.
    pub fn now_date() -> [u8; 29] {
        use std::cell::Cell;
        use std::time::{SystemTime, UNIX_EPOCH};
        thread_local! {
            static CACHE: Cell<(u64, [u8; 29])> = const { Cell::new((u64::MAX, [0; 29])) };
        }
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        CACHE.with(|c| {
            let (at, date) = c.get();
            if at == secs {
                return date;
            }
            let date = http_date(secs);
            c.set((secs, date));
            date
        })
    }
}

/// Server settings.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Longest time from the first byte of a request to its last.
    pub read_timeout: Duration,
    /// Longest wait for the next request on a keep-alive connection.
    pub idle_timeout: Duration,
}

impl Config {
    /// Defaults, overridden by `$HTTP_READ_TIMEOUT_MS` and
    /// `$HTTP_IDLE_TIMEOUT_MS`.
    pub fn from_env() -> Config {
        let ms = |var: &str, default: u64| {
            let v = std::env::var(var).ok().and_then(|v| v.parse().ok());
            Duration::from_millis(v.unwrap_or(default))
        };
        Config {
            read_timeout: ms("HTTP_READ_TIMEOUT_MS", 10_000),
            idle_timeout: ms("HTTP_IDLE_TIMEOUT_MS", 120_000),
        }
    }
}

/// The accept loop: one goroutine per connection, forever.
pub async fn serve(listener: TcpListener, config: Config) {
    loop {
        match listener.accept().await {
            Ok((conn, _)) => goroutine::go!(async move {
                // A connection's errors (reset, timeout, ...) end only it.
                let _ = handle(conn, config).await;
            }),
            Err(e) => {
                // Out of descriptors and the like: wait and try again, as
                // Go's http.Server does.
                eprintln!("http_hello: accept: {e}");
                goroutine::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Serves one connection until the client closes it, asks to close, sends
/// something malformed or times out.
pub async fn handle(mut conn: TcpStream, config: Config) -> io::Result<()> {
    let mut http = http1::Conn::new();
    // Between requests only the idle timeout applies (per read); a request
    // under way must arrive whole within the read timeout (a deadline).
    conn.set_read_timeout(Some(config.idle_timeout));
    let mut deadline_set = false;
    loop {
        let next = http.process();
        if !http.output().is_empty() {
            // One write for all the responses (pipelining).
            conn.write_all(http.output()).await?;
            http.clear_output();
        }
        if let http1::Next::Close { drain } = next {
            return close_gracefully(conn, drain).await;
        }
        let partial = http.in_request();
        if partial != deadline_set {
            conn.set_read_deadline(partial.then(|| Instant::now() + config.read_timeout));
            deadline_set = partial;
        }
        match conn.read(http.read_buf()).await {
            Ok(0) => return Ok(()),
            Ok(n) => http.filled(n),
            Err(e) if e.kind() == io::ErrorKind::TimedOut && partial => {
                http.fail(http1::Status::RequestTimeout);
                conn.set_write_timeout(Some(config.read_timeout));
                conn.write_all(http.output()).await?;
                return close_gracefully(conn, true).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Closes after the last response. After an error response the client may
/// still be sending: closing with unread input would reset the connection
/// and could destroy the response before the client reads it, so shut down
/// our side and drain the input briefly first (Go's "lingering close").
async fn close_gracefully(mut conn: TcpStream, drain: bool) -> io::Result<()> {
    conn.shutdown(Shutdown::Write)?;
    if drain {
        conn.set_read_timeout(None);
        conn.set_read_deadline(Some(Instant::now() + Duration::from_millis(500)));
        let mut sink = [0u8; 4096];
        let mut left = 256 * 1024;
        while left > 0 {
            match conn.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left -= n.min(left),
            }
        }
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args
        .next()
        .or_else(|| std::env::var("HTTP_ADDR").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let mut builder = goroutine::runtime::Builder::new();
    if let Some(n) = args.next() {
        let n = n
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "WORKERS must be a number"))?;
        builder.workers(n);
    }
    let rt = builder.build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        println!(
            "listening on http://{} ({} workers)",
            listener.local_addr()?,
            goroutine::maxprocs()
        );
        serve(listener, Config::from_env()).await;
        Ok(())
    })
}
