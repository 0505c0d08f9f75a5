//! `status --watch`: a rollout followed until it ends. The live objects
//! (and the Application, when asked) are read again every interval; what
//! changed is shown:
//!
//! - on a terminal, two short lines per cluster redrawn in place (only when
//!   it changed, so nothing flickers; cut to 80 columns, so none wraps and
//!   the redraw stays in place): a progress bar (nodes done of the nodes
//!   to roll), the node rolling now and for how long (or the approval gate
//!   waiting, and a third line with the command that approves it), how many
//!   wait and on which node the next one waits (the one before it in wave
//!   order, which Argo CD waits for first: gitops-engine `sync_context.go`,
//!   `Sync`, applies the next wave only once every task of the current one
//!   is healthy), the time elapsed and, once a node has finished while
//!   watching, an estimate of the time left (at the pace of the nodes done,
//!   time spent waiting for an approval left out);
//! - elsewhere, or with `-o json`, one JSON line per change (no times in
//!   what is compared, so a line means something changed).
//!
//! It ends with the exit code `status` gives (0 every node done, 1 a node
//! or the Cluster CR Degraded or the sync stopped), or 3 when `--timeout`
//! runs out first.

use std::io::Write;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};

use super::{ClusterStatus, GateState, Operation, State, exit_code, progress};

/// How to watch.
pub struct Watch {
    pub interval: Duration,
    pub timeout: Option<Duration>,
    /// Frames redrawn in place (stdout is a terminal and JSON was not
    /// asked for); else JSON lines.
    pub frames: bool,
}

/// One cluster in a JSON line.
#[derive(Serialize, PartialEq)]
struct Line<'a> {
    namespace: &'a str,
    name: &'a str,
    done: usize,
    nodes: usize,
    at: Option<&'a str>,
    state: Option<State>,
    /// Each waiting node and the node before it in wave order, which Argo
    /// CD waits for first.
    waiting: Vec<(&'a str, &'a str)>,
    /// The approval gate the rollout stands at, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<GateLine<'a>>,
    summary: &'a str,
}

/// An approval gate in a JSON line: the node it follows, and its state
/// (waiting-for-approval, next, degraded).
#[derive(Serialize, PartialEq)]
struct GateLine<'a> {
    after: &'a str,
    state: GateState,
}

fn lines(clusters: &[ClusterStatus]) -> Vec<Line<'_>> {
    clusters
        .iter()
        .map(|c| {
            let (done, nodes) = progress(&c.nodes);
            let at = c
                .nodes
                .iter()
                .find(|n| matches!(n.state, State::RollingOut | State::Degraded));
            let rolled: Vec<&super::NodeStatus> = c
                .nodes
                .iter()
                .filter(|n| n.wave.is_some() && !matches!(n.state, State::Down | State::Ignored))
                .collect();
            let waiting = rolled
                .windows(2)
                .filter(|w| w[1].state == State::Waiting)
                .map(|w| (w[1].node.key.as_str(), w[0].node.key.as_str()))
                .collect();
            Line {
                namespace: &c.namespace,
                name: &c.name,
                done,
                nodes,
                at: at.map(|n| n.node.key.as_str()),
                state: at.map(|n| n.state),
                waiting,
                gate: c.held_gate().map(|g| GateLine {
                    after: &g.after,
                    state: g.state,
                }),
                summary: &c.summary,
            }
        })
        .collect()
}

/// `1h02m`, `3m05s`, `42s`.
fn span(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// Follows the rollout: `read` gives the clusters and the Application's
/// operation each time; returns the exit code.
pub fn watch(
    w: &Watch,
    read: &mut dyn FnMut() -> Result<(Vec<ClusterStatus>, Option<Operation>)>,
    out: &mut dyn Write,
) -> Result<u8> {
    let mut screen = Screen::new(Instant::now());
    let mut last_json = String::new();
    loop {
        let (clusters, op) = read()?;
        let now = Instant::now();
        let ls = lines(&clusters);
        let shown = if w.frames {
            screen.draw(&ls, op.as_ref(), now, out)?
        } else {
            json_line(&ls, op.as_ref(), &mut last_json, out)?
        };
        if !shown {
            // The reader went away.
            return Ok(0);
        }
        let code = exit_code(&clusters, op.as_ref());
        let elapsed = now - screen.start;
        let timed_out = w.timeout.is_some_and(|t| elapsed >= t);
        if code != 3 || timed_out {
            if w.frames {
                ending(&clusters, timed_out && code == 3, elapsed, out)?;
            }
            return Ok(code);
        }
        let left = w
            .timeout
            .map_or(w.interval, |t| (t - elapsed).min(w.interval));
        std::thread::sleep(left);
    }
}

/// One JSON line, when it changed; false when the reader went away.
fn json_line(
    ls: &[Line<'_>],
    op: Option<&Operation>,
    last: &mut String,
    out: &mut dyn Write,
) -> Result<bool> {
    let json = serde_json::to_string(&super::output::Json {
        application: op,
        clusters: ls,
    })
    .expect("a status line serialises");
    if json == *last {
        return Ok(true);
    }
    let shown = put(out, &format!("{json}\n"))?;
    *last = json;
    Ok(shown)
}

/// Why it ended, below the last frame: each cluster's summary.
fn ending(
    clusters: &[ClusterStatus],
    timed_out: bool,
    elapsed: Duration,
    out: &mut dyn Write,
) -> Result<()> {
    let mut text: String = clusters
        .iter()
        .map(|c| {
            let name = crate::model::qualified(&c.namespace, &c.name);
            format!("CLUSTER {name}: {}\n", c.summary)
        })
        .collect();
    if timed_out {
        text.push_str(&format!("timed out after {}\n", span(elapsed)));
    }
    put(out, &text)?;
    Ok(())
}

/// The terminal view: what was drawn last, and since when each cluster
/// is at what it is at.
struct Screen {
    start: Instant,
    drawn: usize,
    last_frame: Vec<String>,
    /// Per cluster: what it is at (a node rolling, a gate waiting), and
    /// since when.
    at_since: Vec<(String, Option<String>, Instant)>,
    /// Nodes done when the watch began (the estimate counts those done
    /// since).
    done_at_start: Option<usize>,
    /// Time spent waiting for approval, which says nothing of how long a
    /// node takes (the estimate leaves it out): before the current wait,
    /// and since when the current one lasts.
    approval_waits: Duration,
    waiting_since: Option<Instant>,
}

impl Screen {
    fn new(start: Instant) -> Screen {
        Screen {
            start,
            drawn: 0,
            last_frame: Vec::new(),
            at_since: Vec::new(),
            done_at_start: None,
            approval_waits: Duration::ZERO,
            waiting_since: None,
        }
    }

    /// Time spent waiting at approval gates so far, `held` telling whether
    /// a rollout waits at one now.
    fn waited(&mut self, held: bool, now: Instant) -> Duration {
        match (held, self.waiting_since) {
            (true, None) => self.waiting_since = Some(now),
            (false, Some(since)) => {
                self.approval_waits += now - since;
                self.waiting_since = None;
            }
            _ => {}
        }
        self.approval_waits + self.waiting_since.map_or(Duration::ZERO, |s| now - s)
    }

    /// Draws the frame of `ls` in place of the last one, when it changed;
    /// false when the reader went away.
    fn draw(
        &mut self,
        ls: &[Line<'_>],
        op: Option<&Operation>,
        now: Instant,
        out: &mut dyn Write,
    ) -> Result<bool> {
        let frame = self.frame(ls, op, now);
        if frame == self.last_frame {
            return Ok(true);
        }
        // Up over the last frame, each line cleared and rewritten, and what
        // was below it cleared (a frame may shrink). A line is cut to the
        // width of the narrowest usual terminal, so that none wraps and the
        // count of lines to go up holds.
        let mut text = String::new();
        if self.drawn > 0 {
            text.push_str(&format!("\x1b[{}A", self.drawn));
        }
        for line in &frame {
            text.push_str(&format!("\r\x1b[2K{}\n", cut(line, WIDTH)));
        }
        text.push_str("\x1b[J");
        let shown = put(out, &text)?;
        self.drawn = frame.len();
        self.last_frame = frame;
        Ok(shown)
    }

    /// The lines of a frame: the Application's, then per cluster two short
    /// lines (a third with the command while a gate waits).
    fn frame(&mut self, ls: &[Line<'_>], op: Option<&Operation>, now: Instant) -> Vec<String> {
        let elapsed = now - self.start;
        let done: usize = ls.iter().map(|l| l.done).sum();
        let first_done = *self.done_at_start.get_or_insert(done);
        let held = ls.iter().any(|l| {
            l.gate
                .as_ref()
                .is_some_and(|g| matches!(g.state, GateState::WaitingForApproval | GateState::Next))
        });
        let rolling = elapsed.saturating_sub(self.waited(held, now));
        let left = ls.iter().map(|l| l.nodes - l.done).sum::<usize>();
        let eta = match estimate(rolling, done.saturating_sub(first_done), left) {
            Some(d) => format!(", about {} left", span(d)),
            None => String::new(),
        };
        let mut frame = Vec::new();
        if let Some(op) = op {
            frame.push(format!("APPLICATION {}: {}", op.application, op.line()));
        }
        for l in ls {
            let key = crate::model::qualified(l.namespace, l.name);
            let since = self.since(&key, l, now);
            let bar_w = 10;
            let filled = (l.done * bar_w).checked_div(l.nodes).unwrap_or(bar_w);
            let bar: String = std::iter::repeat_n('#', filled)
                .chain(std::iter::repeat_n('.', bar_w - filled))
                .collect();
            let mut now_part = match (l.at, l.state, &l.gate) {
                (Some(n), Some(State::Degraded), _) => format!("{n} Degraded"),
                (Some(n), ..) => format!("{n} rolling for {}", span(now - since)),
                (None, _, Some(g)) => match g.state {
                    GateState::Next => format!("gate after {} next (not applied yet)", g.after),
                    GateState::Degraded => format!("gate after {} Degraded", g.after),
                    _ => format!(
                        "waiting for approval after {} for {}",
                        g.after,
                        span(now - since)
                    ),
                },
                (None, _, None) => "nothing rolling".to_string(),
            };
            if let Some((next, on)) = l.waiting.first() {
                now_part.push_str(&format!(", {} waiting ({next} on {on})", l.waiting.len()));
            }
            frame.push(format!(
                "{key} [{bar}] {}/{} nodes, {}{eta}",
                l.done,
                l.nodes,
                span(elapsed)
            ));
            frame.push(format!("  {now_part}"));
            if l.gate
                .as_ref()
                .is_some_and(|g| g.state == GateState::WaitingForApproval)
            {
                // Its own line: a command cut at 80 columns is no use.
                frame.push(format!("  to approve: express-waves approve {key}"));
            }
        }
        frame
    }

    /// Since when the cluster `key` is at what `l` is at (a node rolling,
    /// or a gate waiting).
    fn since(&mut self, key: &str, l: &Line<'_>, now: Instant) -> Instant {
        let at =
            l.at.map(str::to_string)
                .or_else(|| l.gate.as_ref().map(|g| format!("gate after {}", g.after)));
        match self.at_since.iter_mut().find(|(k, ..)| k == key) {
            Some(entry) if entry.1 == at => entry.2,
            Some(entry) => {
                *entry = (key.to_string(), at, now);
                now
            }
            None => {
                self.at_since.push((key.to_string(), at, now));
                now
            }
        }
    }
}

/// The time `left` nodes take, at the pace `finished` nodes took in
/// `rolling` (the time watched, less the time waiting for approvals,
/// which no node's pace says anything of); none before a node finished.
fn estimate(rolling: Duration, finished: usize, left: usize) -> Option<Duration> {
    (finished > 0).then(|| rolling / finished as u32 * left as u32)
}

/// Frame lines are cut to this many characters.
const WIDTH: usize = 80;

/// `line`, at most `width` characters (the last one `…` when cut).
fn cut(line: &str, width: usize) -> String {
    match line.char_indices().nth(width - 1) {
        Some((i, _)) if line.chars().count() > width => format!("{}…", &line[..i]),
        _ => line.to_string(),
    }
}

/// Writes and flushes `text`; `false` when the reader went away (`| head`):
/// the watch then ends quietly, as every command does on a closed pipe.
fn put(out: &mut dyn Write, text: &str) -> Result<bool> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(Error::io("cannot write to stdout", e)),
    }
}

/// A duration as `--timeout` takes it: `90s`, `30m`, `2h`, or seconds.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let (n, unit) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (90s, 30m, 2h)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: the unit is s, m or h")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{s}` is not a duration"))
}

#[cfg(test)]
mod tests;
