//! A cursor over a GPX document's XML events: the next child element of an element, the text
//! of an element, skipping an element whole, attributes, and where in the file (line) things
//! are. It owns the namespace rule — what counts as a GPX element — and the wording of XML
//! errors; it knows nothing of tracks or points.
//!
//! An element counts as GPX when it is in the GPX 1.0 or 1.1 namespace, in no namespace (files
//! that omit `xmlns`), or in whatever namespace the root `<gpx>` uses (some apps invent one).

use crate::{EXTENSIONS_NS, GpxError, Result};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::{NsReader, XmlVersion};

const GPX_10: &str = "http://www.topografix.com/GPX/1/0";
const GPX_11: &str = "http://www.topografix.com/GPX/1/1";
const GARMIN_TPX_2: &str = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2";

/// Which namespace an element is in, as far as import cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    Gpx,
    Patrol,
    GarminTpx2,
    Other,
}

/// An opening tag and what is known about it before its content is read.
pub(super) struct Element<'i> {
    pub(super) start: BytesStart<'i>,
    pub(super) ns: Ns,
    /// `<x/>`: there is no content and no closing tag to read.
    pub(super) empty: bool,
    /// Byte offset of the `<`, for error messages.
    pub(super) pos: usize,
}

impl Element<'_> {
    pub(super) fn local(&self) -> &str {
        self.start.local_name().into_inner()
    }
}

pub(super) struct Cursor<'i> {
    reader: NsReader<&'i [u8]>,
    text: &'i str,
    /// Namespace of the root element, counted as GPX too.
    root_ns: Option<String>,
}

impl<'i> Cursor<'i> {
    pub(super) fn new(text: &'i str) -> Self {
        Self {
            reader: NsReader::from_str(text),
            text,
            root_ns: None,
        }
    }

    /// Line of the file (from 1) at a byte offset.
    pub(super) fn line_at(&self, pos: usize) -> usize {
        line_at(self.text, pos)
    }

    /// The root element, which must be `<gpx>`.
    pub(super) fn root(&mut self) -> Result<Element<'i>> {
        loop {
            let pos = self.pos();
            let (resolved, event) = match self.reader.read_resolved_event() {
                Ok(next) => next,
                Err(e) => return Err(xml_error(self.text, self.reader.error_position(), e)),
            };
            let ns = match resolved {
                ResolveResult::Bound(Namespace(n)) => Some(n.to_owned()),
                _ => None,
            };
            let (start, empty) = match event {
                Event::Start(s) => (s, false),
                Event::Empty(s) => (s, true),
                Event::Eof => {
                    return Err(GpxError::NotGpx {
                        found: "it holds no xml element".into(),
                    });
                }
                _ => continue,
            };
            let root = Element {
                start,
                ns: Ns::Gpx,
                empty,
                pos,
            };
            if root.local() != "gpx" {
                let found = format!("its first element is <{}>, not <gpx>", root.local());
                return Err(GpxError::NotGpx { found });
            }
            self.root_ns = ns;
            return Ok(root);
        }
    }

    /// The next child element of `parent`, or `None` at its closing tag. Text, comments and
    /// processing instructions between elements are passed over.
    pub(super) fn next_child(&mut self, parent: &Element<'_>) -> Result<Option<Element<'i>>> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            let pos = self.pos();
            let (resolved, event) = match self.reader.read_resolved_event() {
                Ok(next) => next,
                Err(e) => return Err(xml_error(self.text, self.reader.error_position(), e)),
            };
            let ns = classify(&resolved, self.root_ns.as_deref());
            match event {
                Event::Start(start) => {
                    return Ok(Some(Element {
                        start,
                        ns,
                        empty: false,
                        pos,
                    }));
                }
                Event::Empty(start) => {
                    return Ok(Some(Element {
                        start,
                        ns,
                        empty: true,
                        pos,
                    }));
                }
                Event::End(_) => return Ok(None),
                Event::Eof => return Err(self.truncated(parent)),
                _ => {}
            }
        }
    }

    /// The text content of an element, entities resolved; nested markup is skipped.
    pub(super) fn text(&mut self, el: &Element<'_>) -> Result<String> {
        let mut out = String::new();
        if el.empty {
            return Ok(out);
        }
        loop {
            let event = match self.reader.read_resolved_event() {
                Ok((_, event)) => event,
                Err(e) => return Err(xml_error(self.text, self.reader.error_position(), e)),
            };
            match event {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(c) => out.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => match r.resolve_char_ref() {
                    Ok(Some(c)) => out.push(c),
                    Ok(None) => match resolve_predefined_entity(&r) {
                        Some(s) => out.push_str(s),
                        None => {
                            let message = format!("unknown entity `&{};`", &*r);
                            return Err(xml_error(
                                self.text,
                                self.reader.buffer_position(),
                                message,
                            ));
                        }
                    },
                    Err(e) => return Err(xml_error(self.text, self.reader.error_position(), e)),
                },
                Event::Start(nested) => self
                    .reader
                    .read_to_end(nested.name())
                    .map_err(|e| xml_error(self.text, self.reader.error_position(), e))
                    .map(drop)?,
                Event::End(_) => return Ok(out),
                Event::Eof => return Err(self.truncated(el)),
                _ => {}
            }
        }
    }

    /// Passes over an element and everything in it.
    pub(super) fn skip(&mut self, el: &Element<'_>) -> Result<()> {
        if !el.empty
            && let Err(e) = self.reader.read_to_end(el.start.name())
        {
            return Err(xml_error(self.text, self.reader.error_position(), e));
        }
        Ok(())
    }

    /// An attribute's value, entities resolved. All attributes are looked at, so that a
    /// duplicated one is an error rather than a silent choice.
    pub(super) fn attribute(&self, el: &Element<'_>, name: &str) -> Result<Option<String>> {
        let mut found = None;
        for attr in el.start.attributes() {
            let attr = attr.map_err(|e| xml_error(self.text, el.pos as u64, e))?;
            if attr.key.as_ref() == name {
                let value = attr
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| xml_error(self.text, el.pos as u64, e))?;
                found = Some(value.into_owned());
            }
        }
        Ok(found)
    }

    pub(super) fn pos(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    pub(super) fn truncated(&self, open: &Element<'_>) -> GpxError {
        let (name, line) = (open.local(), line_at(self.text, open.pos));
        GpxError::Xml {
            line: line_at(self.text, self.text.len()),
            message: format!("the file ends before <{name}> (opened at line {line}) is closed"),
        }
    }
}

fn classify(resolved: &ResolveResult<'_>, root_ns: Option<&str>) -> Ns {
    match *resolved {
        ResolveResult::Unbound => Ns::Gpx,
        ResolveResult::Bound(Namespace(n)) if n == GPX_11 || n == GPX_10 || Some(n) == root_ns => {
            Ns::Gpx
        }
        ResolveResult::Bound(Namespace(n)) if n == EXTENSIONS_NS => Ns::Patrol,
        ResolveResult::Bound(Namespace(n)) if n == GARMIN_TPX_2 => Ns::GarminTpx2,
        _ => Ns::Other,
    }
}

fn line_at(text: &str, pos: usize) -> usize {
    let end = pos.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn xml_error(text: &str, pos: u64, message: impl std::fmt::Display) -> GpxError {
    let pos = usize::try_from(pos).unwrap_or(usize::MAX);
    GpxError::Xml {
        line: line_at(text, pos),
        message: message.to_string(),
    }
}
