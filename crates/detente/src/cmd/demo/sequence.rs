//! The demo's replay: what the parties notify, when, and what each node
//! makes of it. Every step is submitted to its party's node on the
//! exercise clock, delivered to the other party's node, and receipted; the
//! demo waits for the receipt and reads both nodes' counts before going on.
//!
//! The events are illustrative, on reconstructed declarations: the uids are
//! the reconstruction's, and no such notification is known to have been
//! sent on these dates.

use std::path::Path;
use std::time::Duration;

use detente_core::Time;
use serde_json::{Value, json};

use super::network::{Network, NodeProcess};
use crate::report::thousands;
use detente_core::exercise::ExerciseClock;

/// How much faster than the wall clock the replay runs while a step is
/// delivered: a minute a second, so that its notification is provided
/// minutes after it is sent, while the slowest machine still keeps hours of
/// a deadline. Between steps the clock jumps to the next step's time, and
/// stands still.
const RATE: u64 = 60;

pub struct Step {
    /// Its name in the progress file.
    pub id: &'static str,
    /// When the party submits it, on the exercise clock.
    at: &'static str,
    party: &'static str,
    says: &'static str,
    action: Action,
}

enum Action {
    Notify {
        kind: &'static str,
        notice: &'static str,
    },
    /// The six-monthly update as of `as_of`: the database the events give
    /// at that date, with the warhead numbers of `warheads` changed, which
    /// only an update does.
    Update {
        as_of: &'static str,
        warheads: &'static [(&'static str, u32)],
    },
}

pub const STEPS: [Step; 9] = [
    Step {
        id: "conversion",
        at: "2020-10-09T12:00:00Z",
        party: "US",
        says: "a B-52H heavy bomber converted to non-nuclear armaments",
        action: Action::Notify {
            kind: "conversion-or-elimination",
            notice: r#"{"events":[{"uid":"US-B-B52H-001","at":"2020-10-08T09:00:00Z","change":{"what":"converted","armament":"non-nuclear"}}]}"#,
        },
    },
    Step {
        id: "movement",
        at: "2020-11-03T08:00:00Z",
        party: "RU",
        says: "a Tu-95MS heavy bomber moved from Engels to Ukrainka",
        action: Action::Notify {
            kind: "movement",
            notice: r#"{"events":[{"uid":"RU-B-001","at":"2020-11-02T10:00:00Z","change":{"what":"moved","from":"ENGELS","to":"UKRAINKA"}}]}"#,
        },
    },
    Step {
        id: "bomber-visit",
        at: "2020-12-07T06:00:00Z",
        party: "US",
        says: "a B-52H outside national territory for more than 24 hours, at RAF Fairford",
        action: Action::Notify {
            kind: "heavy-bomber-visit",
            notice: r#"{"facilities":[{"id":"FAIRFORD","kind":"visit-location","name":"RAF Fairford, United Kingdom"}],"events":[{"uid":"US-B-B52H-003","at":"2020-12-06T14:00:00Z","change":{"what":"moved","from":"BARKSDALE","to":"FAIRFORD"}}]}"#,
        },
    },
    Step {
        id: "bomber-return",
        at: "2020-12-20T09:00:00Z",
        party: "US",
        says: "the B-52H back from RAF Fairford at Barksdale",
        action: Action::Notify {
            kind: "movement",
            notice: r#"{"events":[{"uid":"US-B-B52H-003","at":"2020-12-19T10:00:00Z","change":{"what":"moved","from":"FAIRFORD","to":"BARKSDALE"}}]}"#,
        },
    },
    Step {
        id: "launch",
        at: "2021-02-01T12:00:00Z",
        party: "US",
        says: "a Minuteman III test launch planned from Vandenberg to Kwajalein",
        action: Action::Notify {
            kind: "launch",
            notice: r#"{"fields":{"launch":"2021-02-04T07:00:00Z","launch-area":"Vandenberg Space Force Base, California","impact-area":"Kwajalein Atoll, Marshall Islands"}}"#,
        },
    },
    Step {
        id: "late",
        at: "2021-02-15T09:00:00Z",
        party: "RU",
        says: "an RS-12M Topol launcher eliminated on 2021-01-28, notified 18 days later",
        action: Action::Notify {
            kind: "conversion-or-elimination",
            notice: r#"{"events":[{"uid":"RU-L-ICBM-0091","at":"2021-01-28T10:00:00Z","change":{"what":"eliminated"}}]}"#,
        },
    },
    Step {
        id: "china-launch",
        at: "2021-02-20T03:00:00Z",
        party: "CN",
        says: "a planned ICBM launch, under the hypothetical three-party agreement (no peer of China's under it here, so it stays in China's record, which the others witness)",
        action: Action::Notify {
            kind: "ballistic-missile-launch",
            notice: r#"{"fields":{"launch":"2021-02-23T02:00:00Z","launch-area":"a launch area in northern China (hypothetical)","impact-area":"an impact area in western China (hypothetical)"}}"#,
        },
    },
    Step {
        id: "update-us",
        at: "2021-03-10T09:00:00Z",
        party: "US",
        says: "the six-monthly update as of 2021-03-01, with two Trident II missiles down from 5 warheads to 4",
        action: Action::Update { as_of: "2021-03-01", warheads: &[("US-M-T2-0001", 4), ("US-M-T2-0002", 4)] },
    },
    Step {
        id: "update-ru",
        at: "2021-03-12T09:00:00Z",
        party: "RU",
        says: "the six-monthly update as of 2021-03-01",
        action: Action::Update { as_of: "2021-03-01", warheads: &[] },
    },
];

/// The party's peer in the demo: the other party of New START's exchange.
/// China's node has none.
fn peer_of(party: &str) -> Option<&'static str> {
    match party {
        "US" => Some("RU"),
        "RU" => Some("US"),
        _ => None,
    }
}

/// The demo's hand on the exercise clock.
pub struct Conductor<'a> {
    file: &'a Path,
    /// The system clock, in milliseconds.
    wall_ms: fn() -> u64,
}

impl Conductor<'_> {
    pub fn new(file: &Path, wall_ms: fn() -> u64) -> Conductor<'_> {
        Conductor { file, wall_ms }
    }

    /// The time on the exercise clock now, if it has been set.
    pub fn now(&self) -> Option<u64> {
        let text = std::fs::read_to_string(self.file).ok()?;
        ExerciseClock::parse(&text).ok().map(|clock| clock.at((self.wall_ms)()))
    }

    /// Sets the clock to `at` (never back) running at `rate`.
    pub fn set(&self, at: u64, rate: u64) -> anyhow::Result<u64> {
        let real_ms = (self.wall_ms)();
        let simulated = self.now().map_or(at, |now| now.max(at));
        let clock = ExerciseClock { simulated, real_ms, rate };
        crate::data::write_atomically(self.file, |out| out.write_all(clock.to_text().as_bytes()))?;
        // Its readers refuse a clock that others may write, whatever the umask.
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(self.file, std::fs::Permissions::from_mode(0o644))?;
        Ok(simulated)
    }

    /// The clock's start, for a network that has not run yet: mid-September
    /// 2020, with both parties' declarations of 2020-09-01 still on time.
    /// It stands still until the first step.
    pub fn start(&self) -> anyhow::Result<()> {
        self.set(time("2020-09-15T00:00:00Z"), 0).map(|_| ())
    }

    /// After the replay: the clock goes on at the wall clock's pace.
    pub fn settle(&self) -> anyhow::Result<()> {
        self.set(0, 1).map(|_| ())
    }

    /// Between steps, and when the demo stops: the clock stands still, so
    /// that a replay resumed a day later does not find its deadlines gone.
    pub fn freeze(&self) -> anyhow::Result<()> {
        self.set(0, 0).map(|_| ())
    }

    /// When the demo starts again: still while steps remain (each sets its
    /// own time), at the wall clock's pace once the replay is done.
    pub fn resume(&self, steps_left: bool) -> anyhow::Result<()> {
        match self.now() {
            None => self.start(),
            Some(_) if steps_left => self.freeze(),
            Some(_) => self.settle(),
        }
    }
}

fn time(text: &str) -> u64 {
    text.parse::<Time>().expect("the steps' times are valid").unix_seconds() as u64
}

fn date_of(seconds: u64) -> String {
    Time::from_unix_seconds(seconds as i64).to_string()
}

/// Polls `done` on `node`'s answer to `path` every 100 ms, for at most 60 s.
pub async fn until(node: &NodeProcess, path: &str, done: impl Fn(&Value) -> bool) -> anyhow::Result<Value> {
    for _ in 0..600 {
        let answer = node.get(path).await?;
        if done(&answer) {
            return Ok(answer);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(anyhow::anyhow!("the {} node's {path} did not reach the state awaited within 60 s", node.party))
}

/// A party's totals under a reader's reading, from a node's status.
pub fn totals(status: &Value, party: &str, reader: &str) -> Vec<u64> {
    let limits = status["counts"][party][reader].as_array();
    limits.map_or(Vec::new(), |l| l.iter().map(|x| x["total"].as_u64().unwrap_or_default()).collect())
}

pub fn figures(totals: &[u64]) -> String {
    totals.iter().map(|&t| thousands(t)).collect::<Vec<_>>().join(" / ")
}

/// Whether the step is in the sender's record already (the demo stopped
/// after submitting it and before noting it done): `Some` with its
/// sequence number, where the node lists it.
async fn recorded_already(sender: &NodeProcess, step: &Step) -> anyhow::Result<Option<Option<u64>>> {
    let at = Time::from_unix_seconds(time(step.at) as i64);
    match step.action {
        Action::Notify { kind, .. } => {
            let listed =
                sender.get(&format!("/api/v1/notifications?party={}&kind={kind}&limit=1000", step.party)).await?;
            let found = listed["notifications"].as_array().into_iter().flatten().find(|n| {
                n["recorded"].as_str().and_then(|t| t.parse::<Time>().ok()).is_some_and(|recorded| recorded >= at)
            });
            Ok(found.map(|n| n["sequence"].as_u64()))
        }
        Action::Update { as_of, .. } => {
            // The database is the last full declaration's, with the events
            // since: its date reaches the update's only once it is in.
            let database = sender.get(&format!("/api/v1/parties/{}/database", step.party)).await?;
            let done = database["as_of"].as_str().is_some_and(|date| date >= as_of);
            Ok(done.then_some(None))
        }
    }
}

/// Submits `step` to its party's node: the sequence number it was given.
async fn submit(sender: &NodeProcess, step: &Step) -> anyhow::Result<u64> {
    let answer = match step.action {
        Action::Notify { kind, notice } => {
            let notice: Value = serde_json::from_str(notice).expect("the steps' notices are JSON");
            let body = serde_json::to_vec(&json!({ "kind": kind, "notice": notice }))?;
            sender.post("/api/v1/notifications", "application/json", body).await?
        }
        Action::Update { as_of, warheads } => {
            let path = format!("/api/v1/parties/{}/database?at={as_of}T00:00:00Z", step.party);
            let mut database = sender.get(&path).await?;
            database["as_of"] = json!(as_of);
            for item in database["items"].as_array_mut().into_iter().flatten() {
                if let Some((_, number)) = warheads.iter().find(|(uid, _)| item["uid"] == *uid) {
                    item["warheads"] = json!(number);
                }
            }
            sender.post("/api/v1/declarations", "application/json", serde_json::to_vec(&database)?).await?
        }
    };
    answer["sequence"].as_u64().ok_or_else(|| anyhow::anyhow!("the {} node gave no sequence: {answer}", sender.party))
}

/// What one step came to, as the demo prints it.
pub struct Done {
    pub text: String,
    pub json: Value,
}

/// Runs `step`: the clock to its time, the submission, the delivery to the
/// peer and its receipt, and both nodes' counts of the party after it.
pub async fn run(step: &Step, network: &Network, conductor: &Conductor<'_>) -> anyhow::Result<Done> {
    let now = conductor.set(time(step.at), RATE)?;
    let sender = network.node(step.party);
    let sequence = match recorded_already(sender, step).await? {
        Some(sequence) => sequence,
        None => Some(submit(sender, step).await?),
    };
    let party = step.party;
    let Some(peer) = peer_of(party) else {
        let entry = sequence.map_or(String::new(), |sequence| format!(" (entry {sequence})"));
        let text = format!("{}  {party}: {}{entry}\n", date_of(now), step.says);
        return Ok(Done {
            text,
            json: json!({ "step": step.id, "at": date_of(now), "party": party, "sequence": sequence }),
        });
    };
    let receiver = network.node(peer);
    let (sender_status, receiver_status) = match sequence {
        Some(sequence) => {
            let delivered =
                |status: &Value| {
                    status["peers"].as_array().into_iter().flatten().any(|p| {
                        p["party"] == peer && p["delivered_up_to"].as_u64().is_some_and(|up_to| up_to >= sequence)
                    })
                };
            (until(sender, "/api/v1/status", delivered).await?, receiver.get("/api/v1/status").await?)
        }
        // Recorded before the demo stopped, under a number no listing
        // gives: delivered once the receiver counts the party as it does.
        None => {
            let sender_status = sender.get("/api/v1/status").await?;
            let same = |status: &Value| status["counts"][party] == sender_status["counts"][party];
            let receiver_status = until(receiver, "/api/v1/status", same).await?;
            (sender_status, receiver_status)
        }
    };
    let listed = sender.get(&format!("/api/v1/notifications?party={party}&limit=1000")).await?;
    let listing = listed["notifications"].as_array().into_iter().flatten().find(|n| n["sequence"].as_u64() == sequence);
    let timing = match listing {
        Some(listing) => {
            let provided = listing["provided"].as_str().unwrap_or("not yet");
            let due = listing["due"].as_str().map_or(String::new(), |due| format!(", due {due}"));
            let verdict = if listing["late"] == true { "LATE" } else { "on time" };
            format!("provided {provided}{due}: {verdict}")
        }
        None => "a declaration, checked against the events since the last".to_owned(),
    };
    let (own, read) = (totals(&sender_status, party, party), totals(&sender_status, party, peer));
    let agree = own == totals(&receiver_status, party, party) && read == totals(&receiver_status, party, peer);
    let text = format!(
        "{}  {party} → {peer}: {} ({}{timing})\n    {party}'s forces: {} as {party} reads New START, {} as {peer} reads it{}\n",
        date_of(now),
        step.says,
        sequence.map_or(String::new(), |sequence| format!("entry {sequence}; ")),
        figures(&own),
        figures(&read),
        if agree { ", on both nodes" } else { "; the nodes DISAGREE" },
    );
    let json = json!({
        "step": step.id, "at": date_of(now), "party": party, "to": peer, "sequence": sequence,
        "listing": listing, "counts": { party: own, peer: read }, "nodes_agree": agree,
    });
    Ok(Done { text, json })
}
