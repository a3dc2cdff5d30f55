//! Fetching a dump over HTTP: `holdup analyze http://127.0.0.1:6060/debug/pprof/goroutine?debug=2`,
//! and over a unix socket like `curl --unix-socket`: dockerd serves net/http/pprof on its API
//! socket when it runs with `--debug` (or `"debug": true` in daemon.json, applied on SIGHUP),
//! cri-o on its socket with `ENABLE_PROFILE_UNIX_SOCKET=true`.
//!
//! The client is ureq (small, blocking, no async runtime). Its unix-socket support is a
//! connector of ours ([`UnixConnector`]) on ureq's transport interface, and a resolver that
//! does not look the URL's host up (curl does not either: `http://docker/…` works). TLS is
//! left out of the build (a goroutine endpoint on https is rare; `curl -k URL | holdup -`
//! covers it). The body is handed back as a `Read`, so it streams into the parser.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use ureq::Agent;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ArrayVec, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, LazyBuffers, NextTimeout, ShutdownHandle, Transport,
};

use crate::Error;
use crate::error::ErrorKind;

/// Whether an input names a URL rather than a file.
pub fn is_url(s: &str) -> bool {
    let l = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Connect to this unix socket instead of the URL's host and port.
    pub unix_socket: Option<PathBuf>,
    /// The whole request's limit: connecting, the headers and the body.
    pub timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions { unix_socket: None, timeout: Duration::from_secs(60) }
    }
}

/// Opens `url` and returns its body as a stream; errors say what to do.
pub fn open(url: &str, opts: &FetchOptions) -> Result<Box<dyn Read + Send>, Error> {
    let fail = |m: String| Error::new(url, ErrorKind::Usage(m));
    if url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) {
        return Err(fail(format!(
            "{url}: https is not supported by this build of holdup; fetch it with `curl -sk '{url}' | holdup analyze -`"
        )));
    }
    let config = Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("holdup/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent: Agent = match &opts.unix_socket {
        Some(sock) => Agent::with_parts(config, UnixConnector { path: sock.clone() }, NoResolve),
        None => config.into(),
    };
    let via = opts.unix_socket.as_ref().map_or(String::new(), |s| format!(" through {}", s.display()));
    let resp = agent.get(url).call().map_err(|e| fail(describe_error(url, &via, &e, opts)))?;
    let status = resp.status().as_u16();
    if status == 404 {
        return Err(fail(format!("{url}{via}: 404 Not Found: {}", NOT_FOUND_HINT)));
    }
    if !(200..300).contains(&status) {
        let reason = resp.status().canonical_reason().unwrap_or("");
        return Err(fail(format!("{url}{via}: the server answered {status} {reason}")));
    }
    Ok(Box::new(resp.into_body().into_reader()))
}

const NOT_FOUND_HINT: &str = "the server does not serve pprof there. For dockerd, turn debug on: \
\"debug\": true in /etc/docker/daemon.json, then `sudo kill -HUP $(pidof dockerd)` (no restart), and \
fetch http://localhost/debug/pprof/goroutine?debug=2 with --unix-socket /var/run/docker.sock. A Go \
server needs `import _ \"net/http/pprof\"` on the mux it serves";

fn describe_error(url: &str, via: &str, e: &ureq::Error, opts: &FetchOptions) -> String {
    let t = humantime::format_duration(opts.timeout);
    match e {
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused => match &opts.unix_socket {
                Some(s) => format!(
                    "cannot connect to {}: connection refused (nothing listens on the socket: is the daemon running?)",
                    s.display()
                ),
                None => format!("cannot connect to {url}: connection refused (nothing listens on that port)"),
            },
            io::ErrorKind::NotFound if opts.unix_socket.is_some() => {
                format!(
                    "cannot connect to {}: no such socket",
                    opts.unix_socket.as_deref().unwrap_or(Path::new("")).display()
                )
            }
            io::ErrorKind::PermissionDenied => format!("cannot connect to {url}{via}: permission denied (try sudo)"),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                format!("{url}{via}: no answer within {t} (--timeout)")
            }
            _ => format!("{url}{via}: {io}"),
        },
        ureq::Error::Timeout(_) => format!("{url}{via}: no complete answer within {t} (--timeout)"),
        ureq::Error::HostNotFound => format!("{url}: the host name does not resolve"),
        ureq::Error::ConnectionFailed => format!("cannot connect to {url}{via}"),
        other => format!("{url}{via}: {other}"),
    }
}

/// Connects every request to one unix socket, whatever the URL's host.
#[derive(Debug)]
struct UnixConnector {
    path: PathBuf,
}

impl<In: Transport> Connector<In> for UnixConnector {
    type Out = UnixTransport;

    fn connect(&self, details: &ConnectionDetails, _chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        let stream = UnixStream::connect(&self.path)?;
        let config = details.config;
        let t = UnixTransport {
            stream: Arc::new(Sock(stream)),
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
        };
        (details.register_shutdown)(Arc::downgrade(&t.stream) as Weak<dyn ShutdownHandle>)?;
        Ok(Some(t))
    }
}

struct UnixTransport {
    stream: Arc<Sock>,
    buffers: LazyBuffers,
}

impl fmt::Debug for UnixTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixTransport").finish()
    }
}

/// The time left for one read or write (`None`: no limit).
fn left(t: NextTimeout) -> Option<Duration> {
    t.not_zero().map(|d| *d)
}

fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
}

impl Transport for UnixTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        self.stream.0.set_write_timeout(left(timeout))?;
        let output = &self.buffers.output()[..amount];
        match (&self.stream.0).write_all(output) {
            Err(e) if timed_out(&e) => Err(ureq::Error::Timeout(timeout.reason)),
            r => Ok(r?),
        }
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        self.stream.0.set_read_timeout(left(timeout))?;
        let input = self.buffers.input_append_buf();
        let n = loop {
            match (&self.stream.0).read(input) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if timed_out(&e) => return Err(ureq::Error::Timeout(timeout.reason)),
                r => break r?,
            }
        };
        self.buffers.input_appended(n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        // One request per agent: a connection is never reused.
        false
    }
}

/// The socket, shared with ureq's shutdown handle.
struct Sock(UnixStream);

impl ShutdownHandle for Sock {
    fn shutdown(&self) {
        let _ = self.0.shutdown(std::net::Shutdown::Both);
    }
}

/// A resolver for the unix-socket agent: the URL's host is only a header there.
#[derive(Debug)]
struct NoResolve;

impl Resolver for NoResolve {
    fn resolve(&self, _uri: &Uri, _config: &Config, _timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut v: ResolvedSocketAddrs = ArrayVec::from_fn(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        v.push(std::net::SocketAddr::from(([127, 0, 0, 1], 80)));
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::os::unix::net::UnixListener;

    #[test]
    fn urls_are_told_from_files() {
        assert!(is_url("http://127.0.0.1:6060/debug/pprof/goroutine?debug=2"));
        assert!(is_url("HTTPS://x"));
        assert!(!is_url("dump.txt"));
        assert!(!is_url("-"));
        assert!(!is_url("http"));
    }

    /// Serves one request on a unix socket with `answer`, returning the request line.
    fn serve_once(sock: &Path, answer: &'static [u8]) -> std::thread::JoinHandle<String> {
        let l = UnixListener::bind(sock).unwrap();
        std::thread::spawn(move || {
            let (s, _) = l.accept().unwrap();
            let mut r = io::BufReader::new(s.try_clone().unwrap());
            let mut first = String::new();
            r.read_line(&mut first).unwrap();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).unwrap() == 0 || l == "\r\n" {
                    break;
                }
            }
            (&s).write_all(answer).unwrap();
            first
        })
    }

    #[test]
    fn fetches_over_a_unix_socket_and_explains_a_404() {
        let dir = std::env::temp_dir().join(format!("holdup-fetch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("d.sock");
        let body = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n17\r\ngoroutine 1 [running]:\n\r\n0\r\n\r\n";
        let server = serve_once(&sock, body);
        let opts = FetchOptions { unix_socket: Some(sock.clone()), timeout: Duration::from_secs(5) };
        let mut text = String::new();
        open("http://docker/debug/pprof/goroutine?debug=2", &opts).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "goroutine 1 [running]:\n");
        assert_eq!(server.join().unwrap(), "GET /debug/pprof/goroutine?debug=2 HTTP/1.1\r\n");

        std::fs::remove_file(&sock).unwrap();
        let server = serve_once(&sock, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        let e = open("http://localhost/debug/pprof/goroutine?debug=2", &opts).err().unwrap().to_string();
        server.join().unwrap();
        assert!(e.contains("404 Not Found") && e.contains("\"debug\": true") && e.contains("HUP"), "{e}");

        std::fs::remove_file(&sock).unwrap();
        let e = open("http://localhost/x", &opts).err().unwrap().to_string();
        assert!(e.contains("no such socket"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn connection_refused_and_https_are_explained() {
        // A port nobody listens on: bind one, learn its number, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let opts = FetchOptions { unix_socket: None, timeout: Duration::from_secs(5) };
        let e =
            open(&format!("http://127.0.0.1:{port}/debug/pprof/goroutine?debug=2"), &opts).err().unwrap().to_string();
        assert!(e.contains("connection refused"), "{e}");
        let e = open("https://example.invalid/x", &opts).err().unwrap().to_string();
        assert!(e.contains("https is not supported") && e.contains("curl"), "{e}");
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let opts = FetchOptions { unix_socket: None, timeout: Duration::from_millis(300) };
        let started = std::time::Instant::now();
        let e = open(&format!("http://127.0.0.1:{port}/"), &opts).err().unwrap().to_string();
        assert!(e.contains("within"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(l);
    }
}
