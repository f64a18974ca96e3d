//! stub
use super::Extracted;
use super::repair::Line;

pub fn applies(_lines: &[Line]) -> bool {
    false
}

pub fn parse(_lines: &[Line]) -> Vec<Extracted> {
    Vec::new()
}
