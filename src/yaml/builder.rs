//! The syntax tree built from the parser's events, under the reader's
//! limits: nesting depth, and the nodes anchors keep and aliases add.

use saphyr_parser::{Event, ScalarStyle};

use super::{Limits, MAX_DEPTH_CAP, Node, Style};

/// An open collection, with what its node needs when it closes.
struct Frame<'t> {
    body: Body<'t>,
    tag: Option<String>,
    anchor: usize,
    first_node: usize,
}

/// What an open collection has read so far.
enum Body<'t> {
    Seq(Vec<Node<'t>>),
    Map {
        entries: Vec<(Node<'t>, Node<'t>)>,
        key: Option<Node<'t>>,
    },
}

pub(super) struct Builder<'t> {
    limits: Limits,
    stack: Vec<Frame<'t>>,
    /// Anchored nodes by anchor id (saphyr gives each definition its own
    /// id): the node and its size in nodes.
    anchors: std::collections::HashMap<usize, (Node<'t>, usize)>,
    /// Nodes copied for anchors, charged to the alias budget: nested
    /// anchors would otherwise copy quadratically.
    anchor_nodes: usize,
    nodes: usize,
    alias_nodes: usize,
    pub(super) root: Option<Node<'t>>,
    documents: usize,
}

fn tag_string(tag: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>) -> Option<String> {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
}

/// Adds `size` nodes to a budget (anchors', or aliases'); past `limit`
/// (`--max-alias-nodes`) it is an error: "`what` more than N nodes `hint`".
fn charge(
    spent: &mut usize,
    size: usize,
    limit: usize,
    what: &str,
    hint: &str,
) -> Result<(), String> {
    *spent += size;
    if *spent > limit {
        return Err(format!(
            "{what} more than {limit} nodes {hint}; raise --max-alias-nodes if this is real"
        ));
    }
    Ok(())
}

impl<'t> Builder<'t> {
    pub(super) fn new(limits: Limits) -> Self {
        Builder {
            limits,
            stack: Vec::new(),
            anchors: std::collections::HashMap::new(),
            anchor_nodes: 0,
            nodes: 0,
            alias_nodes: 0,
            root: None,
            documents: 0,
        }
    }

    fn push_node(
        &mut self,
        node: Node<'t>,
        anchor: usize,
        first_node: usize,
    ) -> Result<(), String> {
        if anchor != 0 {
            let size = self.nodes - first_node;
            charge(
                &mut self.anchor_nodes,
                size,
                self.limits.max_alias_nodes,
                "anchors hold",
                "in all (nested anchors?)",
            )?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    return Err("more than one node at the top of a document".into());
                }
                self.root = Some(node);
            }
            Some(Frame {
                body: Body::Seq(items),
                ..
            }) => items.push(node),
            Some(Frame {
                body: Body::Map { entries, key },
                ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }

    pub(super) fn event(&mut self, ev: Event<'t>) -> Result<(), String> {
        match ev {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err("a second document starts without a `---` line at column 0".into());
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let first = self.nodes;
                self.nodes += 1;
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    _ => Style::Block,
                };
                let node = Node::Scalar {
                    text,
                    style,
                    tag: tag_string(tag),
                };
                self.push_node(node, anchor, first)?;
            }
            Event::SequenceStart(anchor, tag) => self.open(Body::Seq(Vec::new()), anchor, tag)?,
            Event::MappingStart(anchor, tag) => self.open(
                Body::Map {
                    entries: Vec::new(),
                    key: None,
                },
                anchor,
                tag,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err("unbalanced collection end".into());
                };
                let tag = frame.tag;
                let node = match frame.body {
                    Body::Seq(items) => Node::Seq { items, tag },
                    Body::Map { entries, .. } => Node::Map { entries, tag },
                };
                self.push_node(node, frame.anchor, frame.first_node)?;
            }
            Event::Alias(id) => self.alias(id)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// An alias: the anchored node again, its nodes charged to the alias
    /// budget.
    fn alias(&mut self, id: usize) -> Result<(), String> {
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err("alias to an unknown anchor".into());
        };
        let (node, size) = (node.clone(), *size);
        charge(
            &mut self.alias_nodes,
            size,
            self.limits.max_alias_nodes,
            "aliases expand to",
            "(alias bomb?)",
        )?;
        let first = self.nodes;
        self.nodes += size;
        self.push_node(node, 0, first)
    }

    /// A collection opens, under the depth limit.
    fn open(
        &mut self,
        body: Body<'t>,
        anchor: usize,
        tag: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>,
    ) -> Result<(), String> {
        if self.stack.len() >= self.limits.max_depth {
            let advice = if self.limits.max_depth >= MAX_DEPTH_CAP {
                "the most express-waves reads"
            } else {
                "raise --max-depth if this is real"
            };
            return Err(format!(
                "nesting deeper than {} levels; {advice}",
                self.limits.max_depth
            ));
        }
        self.stack.push(Frame {
            body,
            tag: tag_string(tag),
            anchor,
            first_node: self.nodes,
        });
        self.nodes += 1;
        Ok(())
    }
}
