//! Delivery: how an answer was said, measured apart from what it says. Fillers, hedges,
//! restarts and length are counted from the same tokens the offline grader reads (`words`), so
//! a filler the grader ignores is exactly a filler reported here. Pace and pauses exist only for
//! a spoken answer (`Speech`, measured from its recording by `voice::analysis`): the time a typed
//! answer took says how fast someone types, not how they speak. Nothing in this module changes
//! a content score.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::words::{DisfluencyKind, analyze};

/// The words a minute of ordinary interview speech holds; turns a word count into the time the
/// answer takes to say.
pub const SPEAKING_WPM: f64 = 140.0;

/// Above `FAST_WPM` a listener struggles to follow; below `SLOW_WPM` they wait for the point.
const FAST_WPM: f64 = 170.0;
const SLOW_WPM: f64 = 100.0;

/// A silence longer than this inside a spoken answer is a pause worth reporting.
pub const PAUSE_SECS: f64 = 2.0;

/// What a typed answer shows where a spoken one shows its pace.
pub const PACE_NOT_MEASURED: &str = "pace not measured for typed answers";

/// Fillers per 100 words above which we say so; a few are normal in speech.
const FILLER_NOTE_RATE: f64 = 3.0;

/// Phrases that soften a claim. "i guess" is also a filler for grading; here it is a hedge.
const HEDGES: &[&[&str]] = &[
    &["i", "think"],
    &["i", "believe"],
    &["i", "guess"],
    &["i", "suppose"],
    &["i", "assume"],
    &["not", "sure"],
    &["if", "i", "remember"],
    &["if", "i", "recall"],
    &["maybe"],
    &["probably"],
    &["perhaps"],
    &["possibly"],
];

/// How long a spoken answer should be, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthTarget {
    pub min_secs: u32,
    pub max_secs: u32,
}

/// A full answer to an interview question: one to three minutes.
pub const QUESTION_TARGET: LengthTarget = LengthTarget {
    min_secs: 60,
    max_secs: 180,
};
/// A follow-up asks for one thing: half a minute to two.
pub const FOLLOW_UP_TARGET: LengthTarget = LengthTarget {
    min_secs: 30,
    max_secs: 120,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    Short,
    InBand,
    Long,
}

/// One silence longer than `PAUSE_SECS` inside a spoken answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pause {
    /// Where it starts, in seconds from the start of the recording.
    pub at_secs: f64,
    pub secs: f64,
    /// The word said just before it, when the transcript has word timings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_word: Option<String>,
}

/// How a spoken answer was said, from its recording: speaking time is from the first sound to
/// the last, less the pauses; pace is the transcript's words over that time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speech {
    /// The whole recording, silences included.
    pub audio_secs: f64,
    pub speaking_secs: f64,
    /// Words a minute over `speaking_secs`; None when nothing was heard.
    pub wpm: Option<f64>,
    /// Every pause longer than `PAUSE_SECS`, in order.
    pub pauses: Vec<Pause>,
}

impl Speech {
    pub fn longest_pause(&self) -> Option<&Pause> {
        self.pauses.iter().max_by(|a, b| a.secs.total_cmp(&b.secs))
    }
}

/// The delivery of one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Every word said, fillers and restarts included.
    pub words: u32,
    pub fillers: u32,
    /// Each filler phrase and how often it was said.
    pub filler_phrases: BTreeMap<String, u32>,
    pub fillers_per_100: f64,
    pub hedges: u32,
    pub hedge_phrases: BTreeMap<String, u32>,
    /// Words or pairs of words said twice in a row.
    pub restarts: u32,
    /// From the question being shown to the answer being submitted.
    pub duration_ms: i64,
    /// Pace and pauses, for a spoken answer only; a typed answer has none (older stores kept a
    /// typing pace as `wpm`, which is no longer read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<Speech>,
    /// The time the answer takes to say: its speaking time when spoken, else at `SPEAKING_WPM`.
    pub spoken_secs: f64,
    pub target: LengthTarget,
    pub length: Length,
    /// What to work on, in plain words; empty when there is nothing to say.
    pub notes: Vec<String>,
}

fn count(map: &mut BTreeMap<String, u32>, phrase: &str) {
    *map.entry(phrase.to_string()).or_default() += 1;
}

/// Measures one typed answer given in `duration_ms`: no pace.
pub fn measure(answer: &str, duration_ms: i64, target: LengthTarget) -> Delivery {
    measure_with(answer, duration_ms, target, None)
}

/// Measures one spoken answer: its transcript, and `speech` from its recording.
pub fn measure_spoken(
    transcript: &str,
    duration_ms: i64,
    target: LengthTarget,
    speech: Speech,
) -> Delivery {
    measure_with(transcript, duration_ms, target, Some(speech))
}

fn measure_with(
    answer: &str,
    duration_ms: i64,
    target: LengthTarget,
    speech: Option<Speech>,
) -> Delivery {
    let analysis = analyze(answer);
    let words: Vec<&str> = analysis.tokens.iter().map(|t| t.word.as_str()).collect();
    let mut filler_phrases = BTreeMap::new();
    let mut hedge_phrases = BTreeMap::new();
    let mut restarts = 0;
    for d in &analysis.disfluencies {
        match d.kind {
            DisfluencyKind::Restart => restarts += 1,
            DisfluencyKind::Filler if d.phrase == "i guess" => count(&mut hedge_phrases, "i guess"),
            DisfluencyKind::Filler => count(&mut filler_phrases, &d.phrase),
        }
    }
    let mut i = 0;
    while i < words.len() {
        let hedge = HEDGES
            .iter()
            .filter(|h| **h != ["i", "guess"])
            .find(|h| words[i..].starts_with(h));
        match hedge {
            Some(h) => {
                count(&mut hedge_phrases, &h.join(" "));
                i += h.len();
            }
            None => i += 1,
        }
    }
    let n = words.len() as u32;
    let fillers: u32 = filler_phrases.values().sum();
    let hedges: u32 = hedge_phrases.values().sum();
    let per_100 = |k: u32| {
        if n == 0 {
            0.0
        } else {
            f64::from(k) * 100.0 / f64::from(n)
        }
    };
    // The pace counts the transcript's words, fillers included, as the words a minute of
    // ordinary speech do.
    let speech = speech.map(|s| Speech {
        wpm: (s.speaking_secs >= 1.0 && n > 0).then(|| f64::from(n) * 60.0 / s.speaking_secs),
        ..s
    });
    let spoken_secs = speech
        .as_ref()
        .map_or(f64::from(n) * 60.0 / SPEAKING_WPM, |s| s.speaking_secs);
    let length = if spoken_secs < f64::from(target.min_secs) {
        Length::Short
    } else if spoken_secs > f64::from(target.max_secs) {
        Length::Long
    } else {
        Length::InBand
    };
    let mut d = Delivery {
        words: n,
        fillers,
        filler_phrases,
        fillers_per_100: per_100(fillers),
        hedges,
        hedge_phrases,
        restarts,
        duration_ms,
        speech,
        spoken_secs,
        target,
        length,
        notes: Vec::new(),
    };
    d.notes = notes(&d);
    d
}

/// "um ×3, like": the phrases, most frequent first.
pub fn phrase_list(map: &BTreeMap<String, u32>) -> String {
    let mut items: Vec<(&String, &u32)> = map.iter().collect();
    items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|&(p, &k)| {
            // Phrases are kept lowercase; "I" is written as people write it.
            let p = p
                .split(' ')
                .map(|w| if w == "i" { "I" } else { w })
                .collect::<Vec<_>>()
                .join(" ");
            if k > 1 {
                format!("\"{p}\" ×{k}")
            } else {
                format!("\"{p}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `m:ss`.
pub fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn notes(d: &Delivery) -> Vec<String> {
    let mut out = Vec::new();
    if d.words == 0 {
        return out;
    }
    if d.fillers_per_100 > FILLER_NOTE_RATE {
        out.push(format!(
            "Fillers ({}): pause silently instead; a pause sounds surer than \"um\".",
            phrase_list(&d.filler_phrases)
        ));
    } else if d.fillers == 0 && d.words >= 30 {
        out.push("No fillers: clean delivery.".to_string());
    }
    if d.hedges >= 2 {
        out.push(format!(
            "Hedges ({}): say what you know plainly, and name the one thing you are unsure of.",
            phrase_list(&d.hedge_phrases)
        ));
    }
    if d.restarts >= 2 {
        out.push(
            "Restarts: finish the sentence you started, then correct it if you must.".to_string(),
        );
    }
    if let Some(wpm) = d.wpm() {
        if wpm > FAST_WPM {
            out.push(format!(
                "{wpm:.0} words a minute is fast: interviewers follow 120 to 160 comfortably."
            ));
        } else if wpm < SLOW_WPM {
            out.push(format!(
                "{wpm:.0} words a minute is slow: aim for 120 to 160, and lead with the answer."
            ));
        }
    }
    if let Some(longest) = d.speech.as_ref().and_then(Speech::longest_pause)
        && longest.secs > 2.0 * PAUSE_SECS
    {
        out.push(format!(
            "A {:.0} s silence{}: say \"let me think\" before a long pause, so it sounds deliberate.",
            longest.secs,
            longest
                .after_word
                .as_ref()
                .map_or(String::new(), |w| format!(" after \"{w}\""))
        ));
    }
    match d.length {
        Length::Short => {
            out.push("Short: add how it works, why it matters and an example.".to_string())
        }
        Length::Long => out
            .push("Long: lead with the answer, then only the detail that supports it.".to_string()),
        Length::InBand => {}
    }
    out
}

impl Delivery {
    /// Words a minute over the speaking time, for a spoken answer.
    pub fn wpm(&self) -> Option<f64> {
        self.speech.as_ref().and_then(|s| s.wpm)
    }

    /// The pace as shown.
    pub fn pace(&self) -> String {
        match (&self.speech, self.wpm()) {
            (None, _) => PACE_NOT_MEASURED.to_string(),
            (Some(_), None) => "pace not measured (no speech was heard)".to_string(),
            (Some(_), Some(w)) => format!("{w:.0} wpm"),
        }
    }
}

/// Delivery over several answers: a session, or a trend point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliverySummary {
    pub answers: usize,
    pub words: u32,
    /// Over all words, so long answers weigh more than short ones.
    pub fillers_per_100: f64,
    pub hedges_per_100: f64,
    pub restarts: u32,
    /// Mean over the spoken answers; None when every answer was typed.
    pub mean_wpm: Option<f64>,
    pub in_band: usize,
    /// The most frequent fillers across the answers.
    pub top_fillers: BTreeMap<String, u32>,
}

pub fn summarize(deliveries: &[Delivery]) -> Option<DeliverySummary> {
    let answered: Vec<&Delivery> = deliveries.iter().filter(|d| d.words > 0).collect();
    if answered.is_empty() {
        return None;
    }
    let words: u32 = answered.iter().map(|d| d.words).sum();
    let fillers: u32 = answered.iter().map(|d| d.fillers).sum();
    let hedges: u32 = answered.iter().map(|d| d.hedges).sum();
    let paces: Vec<f64> = answered.iter().filter_map(|d| d.wpm()).collect();
    let mut top = BTreeMap::new();
    for d in &answered {
        for (p, k) in &d.filler_phrases {
            *top.entry(p.clone()).or_default() += k;
        }
    }
    Some(DeliverySummary {
        answers: answered.len(),
        words,
        fillers_per_100: f64::from(fillers) * 100.0 / f64::from(words),
        hedges_per_100: f64::from(hedges) * 100.0 / f64::from(words),
        restarts: answered.iter().map(|d| d.restarts).sum(),
        mean_wpm: (!paces.is_empty()).then(|| paces.iter().sum::<f64>() / paces.len() as f64),
        in_band: answered
            .iter()
            .filter(|d| d.length == Length::InBand)
            .count(),
        top_fillers: top,
    })
}

/// One session's delivery, for the trend over sessions (`viva report`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub session_id: i64,
    pub started_at: i64,
    pub delivery: DeliverySummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = "The GIL is a lock in CPython that lets only one thread run bytecode at a time. \
        It protects reference counts, which are not thread safe. Threads still help with waiting on \
        the network, because the lock is released during I/O. For CPU-bound work use processes.";
    const FILLED: &str = "So, um, the GIL is, like, a lock in CPython that, uh, lets only one thread run \
        bytecode at a time. It, um, protects reference counts, you know, which are not thread safe. \
        Threads basically still help with waiting on the network, because the the lock is released \
        during I/O. For, uh, CPU-bound work, I mean, use processes.";

    #[test]
    fn fillers_are_counted_by_phrase_and_rate() {
        let d = measure(FILLED, 60_000, QUESTION_TARGET);
        assert_eq!(d.fillers, 8, "{:?}", d.filler_phrases);
        assert_eq!(d.filler_phrases["um"], 2);
        assert_eq!(d.filler_phrases["uh"], 2);
        assert_eq!(d.filler_phrases["you know"], 1);
        assert_eq!(d.restarts, 1);
        assert!(d.fillers_per_100 > 10.0, "{}", d.fillers_per_100);
        assert!(d.notes[0].starts_with("Fillers ("), "{:?}", d.notes);
        assert!(d.notes[0].contains("\"um\" ×2"), "{:?}", d.notes);
    }

    #[test]
    fn a_clean_answer_has_no_filler_note() {
        let d = measure(CLEAN, 60_000, QUESTION_TARGET);
        assert_eq!((d.fillers, d.restarts, d.hedges), (0, 0, 0));
        assert!(d.notes.contains(&"No fillers: clean delivery.".to_string()));
        assert!(!d.notes.iter().any(|n| n.starts_with("Fillers")));
    }

    #[test]
    fn hedges_are_counted_and_i_guess_is_a_hedge_not_a_filler() {
        let d = measure(
            "I think the GIL is a lock, I guess. Maybe it is released for I/O, I'm not sure.",
            20_000,
            QUESTION_TARGET,
        );
        assert_eq!(d.hedges, 4, "{:?}", d.hedge_phrases);
        assert_eq!(d.fillers, 0, "{:?}", d.filler_phrases);
        assert!(d.notes.iter().any(|n| n.starts_with("Hedges (")));
    }

    /// The speech of CLEAN said at `wpm`.
    fn speech(wpm: f64, pauses: Vec<Pause>) -> Speech {
        let words = f64::from(measure(CLEAN, 0, QUESTION_TARGET).words);
        let speaking_secs = words * 60.0 / wpm;
        Speech {
            audio_secs: speaking_secs + 2.0,
            speaking_secs,
            wpm: None,
            pauses,
        }
    }

    #[test]
    fn a_typed_answer_has_no_pace_however_long_it_took() {
        for ms in [200, 10_000, 120_000] {
            let typed = measure(CLEAN, ms, QUESTION_TARGET);
            assert_eq!(typed.wpm(), None);
            assert_eq!(typed.pace(), PACE_NOT_MEASURED);
            assert!(!typed.notes.iter().any(|n| n.contains("words a minute")));
            let json = serde_json::to_string(&typed).unwrap();
            assert!(!json.contains("wpm"), "{json}");
        }
    }

    #[test]
    fn a_spoken_answer_reports_its_pace_and_long_pauses() {
        let pause = Pause {
            at_secs: 11.0,
            secs: 5.0,
            after_word: Some("lock".into()),
        };
        let fast = measure_spoken(CLEAN, 30_000, QUESTION_TARGET, speech(190.0, vec![]));
        assert_eq!(fast.pace(), "190 wpm");
        assert!((fast.spoken_secs - f64::from(fast.words) * 60.0 / 190.0).abs() < 1e-9);
        assert!(fast.notes.iter().any(|n| n.contains("is fast")));
        let slow = measure_spoken(CLEAN, 30_000, QUESTION_TARGET, speech(80.0, vec![pause]));
        assert!(slow.notes.iter().any(|n| n.contains("is slow")));
        assert!(
            slow.notes
                .iter()
                .any(|n| n.contains("5 s silence after \"lock\"")),
            "{:?}",
            slow.notes
        );
        let typed = measure(CLEAN, 30_000, QUESTION_TARGET);
        let s = summarize(&[typed, fast, slow]).unwrap();
        assert_eq!(s.mean_wpm, Some(135.0), "typed answers do not count");
    }

    #[test]
    fn a_typing_pace_stored_by_an_older_viva_is_not_read() {
        let mut old = serde_json::to_value(measure(CLEAN, 10_000, QUESTION_TARGET)).unwrap();
        old["wpm"] = serde_json::json!(618.0);
        let d: Delivery = serde_json::from_value(old).unwrap();
        assert_eq!(d.pace(), PACE_NOT_MEASURED);
    }

    #[test]
    fn length_is_judged_against_the_target_band() {
        let short = measure("The GIL is a lock.", 10_000, QUESTION_TARGET);
        assert_eq!(short.length, Length::Short);
        assert!(short.notes.iter().any(|n| n.starts_with("Short")));
        let band = "word ".repeat(200);
        assert_eq!(
            measure(&band, 0, QUESTION_TARGET).length,
            Length::InBand,
            "200 words is about 1:26 spoken"
        );
        assert_eq!(
            measure(&"word ".repeat(500), 0, QUESTION_TARGET).length,
            Length::Long
        );
        let longer = "word ".repeat(300);
        assert_eq!(measure(&longer, 0, QUESTION_TARGET).length, Length::InBand);
        assert_eq!(measure(&longer, 0, FOLLOW_UP_TARGET).length, Length::Long);
    }

    #[test]
    fn an_empty_answer_has_no_notes_and_no_summary() {
        let d = measure("", 0, QUESTION_TARGET);
        assert!(d.notes.is_empty());
        assert!(summarize(&[d]).is_none());
    }

    #[test]
    fn summaries_weigh_by_words() {
        let a = measure(FILLED, 60_000, QUESTION_TARGET);
        let b = measure(CLEAN, 60_000, QUESTION_TARGET);
        let s = summarize(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(s.answers, 2);
        let expected = f64::from(a.fillers) * 100.0 / f64::from(a.words + b.words);
        assert!((s.fillers_per_100 - expected).abs() < 1e-9);
        assert_eq!(s.top_fillers["um"], 2);
    }
}
