//! Source text for miette that never rescans a file.
//!
//! miette's own `SourceCode` for `str` walks the text from its first byte to
//! every span it shows: with thousands of diagnostics in a large CSV that is
//! quadratic, and SPEC 5 ("Fast to print too") rules it out. Our diagnostics
//! already know the line of every location they name, so [`Window`] keeps
//! those as anchors and hands miette only the few lines around a span, with
//! line numbers shifted back to the file's.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::span::Chunks;

/// The most text one snippet may show; a location on a longer line (a
/// minified JSON file, say) is shown as `file:line:column` instead.
pub(crate) const MAX_WINDOW: usize = crate::report::SNIPPET_WINDOW;

/// One file's text (whole, or the stretches of it a piece of a CSV file's
/// report holds), seen through anchors of known (byte offset, 0-based
/// line). Offsets are the file's throughout.
pub(crate) struct Window<'a> {
    name: &'a str,
    chunks: &'a Chunks,
    /// Sorted by offset.
    anchors: Vec<(usize, usize)>,
}

impl<'a> Window<'a> {
    pub(crate) fn new(name: &'a str, chunks: &'a Chunks) -> Window<'a> {
        Window {
            name,
            chunks,
            anchors: Vec::new(),
        }
    }

    /// Record that byte `offset` lies on 1-based `line`.
    pub(crate) fn anchor(&mut self, offset: usize, line: u32) {
        let entry = (
            offset.min(self.chunks.len),
            (line as usize).saturating_sub(1),
        );
        if let Err(i) = self.anchors.binary_search(&entry) {
            self.anchors.insert(i, entry);
        }
    }

    /// A span clamped to the text and to character boundaries. An empty
    /// span at the very end of a text that ends in a newline moves to the
    /// end of the last line, where miette can show it.
    pub(crate) fn span(&self, start: usize, end: usize) -> SourceSpan {
        let len = self.chunks.len;
        let mut start = start.min(len);
        let mut end = end.clamp(start, len);
        let ends_in_newline = self
            .chunks
            .at(len, len)
            .is_some_and(|c| c.base < len && c.text.ends_with('\n'));
        if start == len && ends_in_newline {
            start = len - 1;
            end = start;
        }
        let boundary = |at: usize| {
            self.chunks
                .at(at, at)
                .is_none_or(|c| c.text.is_char_boundary(at - c.base))
        };
        while !boundary(start) {
            start -= 1;
        }
        while !boundary(end) {
            end += 1;
        }
        SourceSpan::new(start.into(), end - start)
    }

    /// Whether a snippet of `span` with `context` lines around fits
    /// [`MAX_WINDOW`].
    pub(crate) fn fits(&self, span: SourceSpan, context: usize) -> bool {
        self.bounds(span, context).is_some()
    }

    /// The byte range of whole lines from `context + 1` lines above the span
    /// to `context + 1` lines below it, and the 0-based line it starts on.
    /// One line more than miette asks for on each side, so that its own
    /// context rules see the same text as in the whole file. `None` when
    /// that is more than [`MAX_WINDOW`] bytes (or not in the text held).
    fn bounds(&self, span: SourceSpan, context: usize) -> Option<(usize, usize, usize)> {
        let len = self.chunks.len;
        let start = span.offset().min(len);
        let end = (span.offset() + span.len()).min(len);
        let chunk = self.chunks.at(start, end)?;
        let (base, bytes) = (chunk.base, chunk.text.as_bytes());
        let byte = |i: usize| bytes.get(i.checked_sub(base)?).copied();
        let floor = start.saturating_sub(MAX_WINDOW);
        let ceiling = end.saturating_add(MAX_WINDOW).min(len);

        let mut from = start;
        let mut lines_up = 0;
        loop {
            while from > floor && byte(from - 1)? != b'\n' {
                from -= 1;
            }
            if from == 0 || lines_up == context + 1 {
                break;
            }
            if from == floor {
                return None;
            }
            from -= 1;
            lines_up += 1;
        }
        let mut to = end;
        let mut lines_down = 0;
        loop {
            while to < ceiling && byte(to)? != b'\n' {
                to += 1;
            }
            if to == len || lines_down == context + 1 {
                break;
            }
            if to == ceiling {
                return None;
            }
            to += 1;
            lines_down += 1;
        }
        let to = (to + 1).min(len);
        if to - from > MAX_WINDOW || from < base || to > base + bytes.len() {
            return None;
        }
        Some((from, to, self.line_of(start) - lines_up))
    }

    /// The 0-based line of a byte offset, counted from the nearest anchor
    /// (or the start of its stretch of text).
    fn line_of(&self, offset: usize) -> usize {
        let Some(chunk) = self.chunks.at(offset, offset) else {
            return 0;
        };
        let i = self.anchors.partition_point(|&(o, _)| o <= offset);
        let (from, line) = match i {
            0 => (chunk.base, chunk.line as usize),
            _ if self.anchors[i - 1].0 < chunk.base => (chunk.base, chunk.line as usize),
            _ => self.anchors[i - 1],
        };
        line + chunk.text.as_bytes()[from - chunk.base..offset - chunk.base]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }
}

impl SourceCode for Window<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        if span.offset() + span.len() > self.chunks.len {
            return Err(MietteError::OutOfBounds);
        }
        let context = context_lines_before.max(context_lines_after);
        let (from, to, first_line) = self
            .bounds(*span, context)
            .ok_or(MietteError::OutOfBounds)?;
        let chunk = self.chunks.at(from, to).ok_or(MietteError::OutOfBounds)?;
        let window = &chunk.text.as_bytes()[from - chunk.base..to - chunk.base];
        let inner_span = SourceSpan::new((span.offset() - from).into(), span.len());
        let inner = window.read_span(&inner_span, context_lines_before, context_lines_after)?;
        // miette counts a column in bytes; ours count characters (SPEC 4.1).
        let column = match inner.column() {
            0 => 0,
            _ => {
                let before = &window[..span.offset() - from];
                let line_start = before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                String::from_utf8_lossy(&before[line_start..])
                    .chars()
                    .count()
            }
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + first_line,
            column,
            // The lines this snippet spans. miette's own `str` source counts
            // from the top of the file instead, and since the graphical
            // handler merges two labels' snippets when `line + line_count`
            // of the first reaches the second, with that count every label
            // of a diagnostic lands in one snippet, however far apart: a
            // duplicate on line 900 of one on line 3 would print 898 lines.
            inner.data().iter().filter(|&&b| b == b'\n').count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window gives miette exactly what the whole text would (but for
    /// `line_count`, on purpose: see `read_span`).
    #[test]
    fn windows_read_like_the_whole_text() {
        let text = "zero\none\ntwo £ x\nthree\n\nfive is longer\nsix\n";
        let chunks = Chunks::whole(text);
        let mut window = Window::new("f", &chunks);
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        for (line, &start) in starts.iter().enumerate().step_by(3) {
            window.anchor(start, line as u32 + 1);
        }
        let named = miette::NamedSource::new("f", text.to_string());
        for start in 0..text.len() {
            for len in [0, 1, 3, 9] {
                if start + len > text.len()
                    || !text.is_char_boundary(start)
                    || !text.is_char_boundary(start + len)
                {
                    continue;
                }
                for context in [0, 1, 2] {
                    let span = SourceSpan::new(start.into(), len);
                    let want = named.read_span(&span, context, context);
                    let got = window.read_span(&span, context, context);
                    let (Ok(want), Ok(got)) = (want, got) else {
                        panic!("read failed at {start}+{len}");
                    };
                    // Columns count characters, where miette counts bytes.
                    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                    let column = match want.column() {
                        0 => 0,
                        _ => text[line_start..start].chars().count(),
                    };
                    assert_eq!(
                        (want.data(), want.span(), want.line(), column),
                        (got.data(), got.span(), got.line(), got.column()),
                        "span {start}+{len}, context {context}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_huge_line_does_not_fit() {
        let text = format!("a\nb\nc\n{}\nd\n", "x".repeat(MAX_WINDOW + 10));
        let chunks = Chunks::whole(text.as_str());
        let mut window = Window::new("f", &chunks);
        window.anchor(6, 4);
        assert!(!window.fits(window.span(10, 11), 1));
        assert!(window.fits(window.span(0, 1), 0));
    }
}
