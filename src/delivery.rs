//! Delivery: how an answer was said, measured apart from what it says. Fillers, hedges,
//! restarts, pace and length are counted from the same tokens the offline grader reads
//! (`words`), so a filler the grader ignores is exactly a filler reported here. Nothing
//! in this module changes a content score.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::words::{DisfluencyKind, analyze};

/// The words a minute of ordinary interview speech holds; turns a word count into the time the
/// answer takes to say.
pub const SPEAKING_WPM: f64 = 140.0;

/// Below this the time taken says nothing about speech (the answer was typed slowly, or
/// thought over); above `FAST_WPM` a listener struggles to follow.
const TYPED_WPM: f64 = 80.0;
const FAST_WPM: f64 = 170.0;

/// Answers given faster than this (pasted, piped) have no meaningful pace.
const MIN_TIMED_MS: i64 = 5_000;

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
    /// Words per minute over `duration_ms`; None when the answer arrived at once.
    pub wpm: Option<f64>,
    /// The time the answer takes to say at `SPEAKING_WPM`.
    pub spoken_secs: f64,
    pub target: LengthTarget,
    pub length: Length,
    /// What to work on, in plain words; empty when there is nothing to say.
    pub notes: Vec<String>,
}

fn count(map: &mut BTreeMap<String, u32>, phrase: &str) {
    *map.entry(phrase.to_string()).or_default() += 1;
}

/// Measures one answer given in `duration_ms`.
pub fn measure(answer: &str, duration_ms: i64, target: LengthTarget) -> Delivery {
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
    let wpm = (duration_ms >= MIN_TIMED_MS && n >= 10)
        .then(|| f64::from(n) * 60_000.0 / duration_ms as f64);
    let spoken_secs = f64::from(n) * 60.0 / SPEAKING_WPM;
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
        wpm,
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
    if let Some(wpm) = d.wpm.filter(|&w| w > FAST_WPM) {
        out.push(format!(
            "{wpm:.0} words a minute is fast: interviewers follow 120 to 160 comfortably."
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
    /// The pace as shown: words a minute, and whether it looks typed.
    pub fn pace(&self) -> String {
        match self.wpm {
            None => "pace not measured (the answer arrived at once)".to_string(),
            Some(w) if w < TYPED_WPM => format!("{w:.0} wpm (typed pace, not judged)"),
            Some(w) => format!("{w:.0} wpm"),
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
    /// Mean over the answers whose pace was measured.
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
    let paces: Vec<f64> = answered.iter().filter_map(|d| d.wpm).collect();
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

    #[test]
    fn pace_needs_a_real_duration() {
        let instant = measure(CLEAN, 200, QUESTION_TARGET);
        assert_eq!(instant.wpm, None);
        let words = f64::from(instant.words);
        let spoken = measure(CLEAN, 10_000, QUESTION_TARGET);
        assert!((spoken.wpm.unwrap() - words * 6.0).abs() < 1e-9);
        assert!(spoken.notes.iter().any(|n| n.contains("is fast")));
        let typed = measure(CLEAN, 120_000, QUESTION_TARGET);
        assert!(typed.pace().contains("typed"));
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
