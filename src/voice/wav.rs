//! 16-bit PCM WAV, the one audio format viva writes and reads: 16 kHz mono, as the transcription
//! servers want it. Written by hand (a 44-byte header) rather than through a crate.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

pub const SAMPLE_RATE: u32 = 16_000;

/// The WAV file of `samples` (16 kHz mono).
pub fn encode(samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Writes `samples` to `path` through a temporary file, so a crash never leaves half a file
/// where a recording should be.
pub fn write(path: &Path, samples: &[i16]) -> Result<()> {
    let tmp = path.with_extension("wav.part");
    let write = || -> io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&encode(samples))?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}

/// Where the samples of a WAV start: after the header's chunks, at the `data` chunk. Recorders
/// that stream write sizes they cannot know yet (0 or 0xFFFFFFFF), so the data runs to the end.
pub fn data_offset(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        if id == b"data" {
            return Some(at + 8);
        }
        at = at.checked_add(8 + len + (len & 1))?;
    }
    None
}

/// Little-endian 16-bit samples; a trailing odd byte is left out.
pub fn samples(pcm: &[u8]) -> Vec<i16> {
    pcm.chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The samples of a WAV file viva wrote (16 kHz mono 16-bit).
pub fn read(path: &Path) -> Result<Vec<i16>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let Some(start) = data_offset(&bytes) else {
        bail!("{}: not a WAV file", path.display());
    };
    let fmt = &bytes[20..36.min(bytes.len())];
    let format_ok = fmt.len() == 16
        && u16::from_le_bytes([fmt[2], fmt[3]]) == 1
        && u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]) == SAMPLE_RATE
        && u16::from_le_bytes([fmt[14], fmt[15]]) == 16;
    if !format_ok {
        bail!(
            "{}: not 16 kHz mono 16-bit PCM, the format viva records",
            path.display()
        );
    }
    Ok(samples(&bytes[start..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_reads_back_the_same_samples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let samples: Vec<i16> = (0..1000).map(|i| (i * 37 % 2000 - 1000) as i16).collect();
        write(&path, &samples).unwrap();
        assert_eq!(read(&path).unwrap(), samples);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 44 + 2000);
    }

    #[test]
    fn the_data_chunk_is_found_after_other_chunks() {
        let mut bytes = encode(&[1, 2, 3]);
        // A LIST chunk before data, as ffmpeg writes, with a size that streaming left at 0.
        let list = b"LIST\x04\x00\x00\x00abcd";
        bytes.splice(36..36, list.iter().copied());
        let at = data_offset(&bytes).unwrap();
        assert_eq!(samples(&bytes[at..]), [1, 2, 3]);
        assert_eq!(data_offset(b"not a wav at all"), None);
    }
}
