//! Speaking time and pauses, measured from the recording itself: the energy of each 20 ms frame
//! against a threshold set from the recording's own noise floor. The audio is the primary
//! source because every recording has it, while word timestamps depend on the server (many
//! return none, and Whisper's stretch words over the silence that follows them); the word
//! timings, where given, only say which word a pause came after.

use super::Word;
use super::wav::SAMPLE_RATE;
use crate::delivery::{PAUSE_SECS, Pause, Speech};

/// 20 ms frames: short enough to place a pause to a fiftieth of a second.
const FRAME: usize = (SAMPLE_RATE / 50) as usize;
const FRAME_SECS: f64 = 0.02;

/// Never call a frame quieter than this speech, whatever the floor; and never set the threshold
/// more than `BELOW_PEAK` under the loud frames, so that a recording with no silence at all
/// (whose floor is speech) still counts its quiet syllables as speech.
const MIN_THRESHOLD_DB: f64 = -50.0;
const ABOVE_FLOOR_DB: f64 = 12.0;
const BELOW_PEAK_DB: f64 = 25.0;

/// A burst of sound shorter than this (a click, a knock) is not speech.
const MIN_SOUND_FRAMES: usize = 3;

/// The loudness of `samples` in dB below full scale (RMS); -100 for silence.
pub fn level_db(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return -100.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (sum / samples.len() as f64).sqrt() / 32768.0;
    if rms <= 1e-5 {
        -100.0
    } else {
        20.0 * rms.log10()
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// Which 20 ms frames hold sound.
fn voiced_frames(samples: &[i16]) -> Vec<bool> {
    let levels: Vec<f64> = samples.chunks(FRAME).map(level_db).collect();
    if levels.is_empty() {
        return Vec::new();
    }
    let mut sorted = levels.clone();
    sorted.sort_by(f64::total_cmp);
    let floor = percentile(&sorted, 0.10);
    let peak = percentile(&sorted, 0.99);
    let threshold = (floor + ABOVE_FLOOR_DB)
        .min(peak - BELOW_PEAK_DB)
        .max(MIN_THRESHOLD_DB);
    let mut voiced: Vec<bool> = levels.iter().map(|&l| l > threshold).collect();
    // Clicks are not speech.
    let mut i = 0;
    while i < voiced.len() {
        if !voiced[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < voiced.len() && voiced[i] {
            i += 1;
        }
        if i - start < MIN_SOUND_FRAMES {
            voiced[start..i].fill(false);
        }
    }
    voiced
}

/// The speech in a recording: speaking time (first sound to last, less the pauses) and every
/// pause longer than `PAUSE_SECS`, each placed after the word said before it. The pace is
/// filled in by `delivery`, from the transcript's word count.
pub fn speech(samples: &[i16], words: &[Word]) -> Speech {
    let audio_secs = samples.len() as f64 / f64::from(SAMPLE_RATE);
    let voiced = voiced_frames(samples);
    let (Some(first), Some(last)) = (
        voiced.iter().position(|&v| v),
        voiced.iter().rposition(|&v| v),
    ) else {
        return Speech {
            audio_secs,
            speaking_secs: 0.0,
            wpm: None,
            pauses: Vec::new(),
        };
    };
    let mut pauses = Vec::new();
    let mut i = first;
    while i <= last {
        if voiced[i] {
            i += 1;
            continue;
        }
        let start = i;
        while !voiced[i] {
            i += 1;
        }
        let secs = (i - start) as f64 * FRAME_SECS;
        if secs > PAUSE_SECS {
            let at_secs = start as f64 * FRAME_SECS;
            pauses.push(Pause {
                at_secs,
                secs,
                after_word: words
                    .iter()
                    .rev()
                    .find(|w| w.start < at_secs)
                    .map(|w| w.word.trim().to_string()),
            });
        }
    }
    let span = (last - first + 1) as f64 * FRAME_SECS;
    Speech {
        audio_secs,
        speaking_secs: span - pauses.iter().map(|p| p.secs).sum::<f64>(),
        wpm: None,
        pauses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `secs` of a 220 Hz tone at a speaking level, or of silence with faint noise.
    fn tone(secs: f64) -> Vec<i16> {
        let n = (secs * f64::from(SAMPLE_RATE)) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(SAMPLE_RATE);
                (8000.0 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()) as i16
            })
            .collect()
    }

    fn hush(secs: f64) -> Vec<i16> {
        let n = (secs * f64::from(SAMPLE_RATE)) as usize;
        (0..n).map(|i| ((i * 7919) % 41) as i16 - 20).collect()
    }

    fn word(w: &str, start: f64) -> Word {
        Word {
            word: w.into(),
            start,
            end: start + 0.3,
        }
    }

    #[test]
    fn speaking_time_excludes_lead_in_trailing_silence_and_long_pauses() {
        let audio = [
            hush(1.0),
            tone(10.0),
            hush(3.0),
            tone(5.0),
            hush(1.5),
            tone(4.0),
            hush(2.0),
        ]
        .concat();
        let words = [word("first", 1.2), word("lock", 10.5), word("then", 14.1)];
        let s = speech(&audio, &words);
        assert!((s.audio_secs - 26.5).abs() < 1e-9);
        // 10 + 5 + 1.5 (a short pause is part of speaking) + 4.
        assert!((s.speaking_secs - 20.5).abs() < 0.05, "{}", s.speaking_secs);
        assert_eq!(s.pauses.len(), 1, "{:?}", s.pauses);
        assert!((s.pauses[0].secs - 3.0).abs() < 0.05);
        assert!((s.pauses[0].at_secs - 11.0).abs() < 0.05);
        assert_eq!(s.pauses[0].after_word.as_deref(), Some("lock"));
    }

    #[test]
    fn a_recording_with_no_silence_is_all_speech_and_silence_is_none() {
        let s = speech(&tone(6.0), &[]);
        assert!((s.speaking_secs - 6.0).abs() < 0.05);
        assert!(s.pauses.is_empty());
        let quiet = speech(&hush(5.0), &[]);
        assert_eq!(quiet.speaking_secs, 0.0);
        assert_eq!(speech(&[], &[]).speaking_secs, 0.0);
    }

    #[test]
    fn a_click_in_a_pause_does_not_split_it() {
        let mut click = vec![0i16; FRAME * 2];
        click[10] = 30_000;
        let audio = [tone(2.0), hush(1.5), click, hush(1.5), tone(2.0)].concat();
        let s = speech(&audio, &[]);
        assert_eq!(s.pauses.len(), 1, "{:?}", s.pauses);
        assert!((s.pauses[0].secs - 3.04).abs() < 0.05, "{:?}", s.pauses);
    }
}
