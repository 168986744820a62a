//! A small builder for ONNX graphs: named initializers, nodes with attributes, typed inputs/outputs.

use hark::model::protobuf::{
    AttributeProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, attribute_type, data_type,
};

/// Row width, in values, that tract's broadcast kernels need to take their fast path
/// (one AVX-512 register's bytes, counted as elements; a multiple of every narrower ISA's).
const AFFINE_ROW: usize = 64;

fn lcm(a: usize, b: usize) -> usize {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    a / x * b
}

/// An attribute value for [`GraphBuilder::node`].
pub enum Attr {
    Int(i64),
    Ints(Vec<i64>),
    Float(f32),
}

/// Collects nodes and constants; names are made unique by a counter.
#[derive(Default)]
pub struct GraphBuilder {
    graph: GraphProto,
    counter: usize,
}

impl GraphBuilder {
    /// Declares an f32 graph input.
    pub fn input(&mut self, name: &str, shape: &[usize]) -> String {
        self.graph
            .input
            .push(ValueInfoProto::f32_tensor(name, shape));
        name.to_string()
    }

    /// Declares an f32 graph output, renaming `value` to `name` with an Identity.
    pub fn output(&mut self, value: &str, name: &str, shape: &[usize]) {
        self.graph.node.push(NodeProto {
            input: vec![value.to_string()],
            output: vec![name.to_string()],
            name: format!("{name}_identity"),
            op_type: "Identity".into(),
            attribute: vec![],
        });
        self.graph
            .output
            .push(ValueInfoProto::f32_tensor(name, shape));
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.counter += 1;
        format!("{stem}_{}", self.counter)
    }

    /// An f32 constant.
    pub fn constant(&mut self, stem: &str, dims: &[usize], data: &[f32]) -> String {
        assert_eq!(
            dims.iter().product::<usize>(),
            data.len(),
            "constant {stem}: shape and data disagree"
        );
        let name = self.fresh(stem);
        self.graph.initializer.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type::FLOAT,
            name: name.clone(),
            raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
        name
    }

    /// A 1-D i64 constant (shapes, axes, indices).
    pub fn ints(&mut self, stem: &str, data: &[i64]) -> String {
        self.ints_shaped(stem, &[data.len()], data)
    }

    /// An i64 constant of any shape.
    pub fn ints_shaped(&mut self, stem: &str, dims: &[usize], data: &[i64]) -> String {
        assert_eq!(
            dims.iter().product::<usize>(),
            data.len(),
            "constant {stem}: shape and data disagree"
        );
        let name = self.fresh(stem);
        self.graph.initializer.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type::INT64,
            name: name.clone(),
            raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
        name
    }

    /// Adds a node with `outputs` results; returns their names.
    pub fn node_n(
        &mut self,
        op: &str,
        inputs: &[&str],
        attrs: Vec<(&str, Attr)>,
        outputs: usize,
    ) -> Vec<String> {
        let name = self.fresh(&op.to_lowercase());
        let outs: Vec<String> = (0..outputs).map(|i| format!("{name}_out{i}")).collect();
        let attribute = attrs
            .into_iter()
            .map(|(key, value)| {
                let mut a = AttributeProto {
                    name: key.to_string(),
                    ..Default::default()
                };
                match value {
                    Attr::Int(i) => (a.r#type, a.i) = (attribute_type::INT, Some(i)),
                    Attr::Ints(v) => (a.r#type, a.ints) = (attribute_type::INTS, v),
                    Attr::Float(f) => (a.r#type, a.f) = (attribute_type::FLOAT, Some(f)),
                }
                a
            })
            .collect();
        self.graph.node.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outs.clone(),
            name,
            op_type: op.to_string(),
            attribute,
        });
        outs
    }

    /// Adds a single-output node; returns its output's name.
    pub fn node(&mut self, op: &str, inputs: &[&str], attrs: Vec<(&str, Attr)>) -> String {
        self.node_n(op, inputs, attrs, 1).remove(0)
    }

    /// Slices `x` along `axis` to `[start, end)`.
    pub fn slice(&mut self, x: &str, axis: i64, start: i64, end: i64) -> String {
        let (s, e, a) = (
            self.ints("start", &[start]),
            self.ints("end", &[end]),
            self.ints("axis", &[axis]),
        );
        self.node("Slice", &[x, &s, &e, &a], vec![])
    }

    /// Reshapes `x` to `shape`.
    pub fn reshape(&mut self, x: &str, shape: &[i64]) -> String {
        let s = self.ints("shape", shape);
        self.node("Reshape", &[x, &s], vec![])
    }

    /// Permutes the axes of `x`.
    pub fn transpose(&mut self, x: &str, perm: &[i64]) -> String {
        self.node("Transpose", &[x], vec![("perm", Attr::Ints(perm.to_vec()))])
    }

    /// `x @ w + b` for `w` stored `[in, out]` row-major.
    pub fn dense(
        &mut self,
        x: &str,
        w: &[f32],
        b: &[f32],
        inputs: usize,
        outputs: usize,
    ) -> String {
        let w = self.constant("w", &[inputs, outputs], w);
        let b = self.constant("b", &[outputs], b);
        let y = self.node("MatMul", &[x, &w], vec![]);
        self.node("Add", &[&y, &b], vec![])
    }

    /// Layer normalization over the last axis of `[batch, rows, channels]` (opset 17's fused
    /// operator).
    ///
    /// tract applies a per-channel scale and shift fast only when a row holds a multiple of
    /// [`AFFINE_ROW`] values, so narrower layers apply theirs over a reshaped view of wider rows.
    pub fn layer_norm(
        &mut self,
        x: &str,
        [batch, rows]: [usize; 2],
        gamma: &[f32],
        beta: &[f32],
        eps: f32,
    ) -> String {
        let channels = gamma.len();
        let wide = lcm(channels, AFFINE_ROW);
        let attrs = || vec![("axis", Attr::Int(-1)), ("epsilon", Attr::Float(eps))];
        if channels.is_multiple_of(AFFINE_ROW) || !(rows * channels).is_multiple_of(wide) {
            let g = self.constant("gamma", &[channels], gamma);
            let b = self.constant("beta", &[channels], beta);
            return self.node("LayerNormalization", &[x, &g, &b], attrs());
        }
        let ones = self.constant("ones", &[channels], &vec![1.0; channels]);
        let normed = self.node("LayerNormalization", &[x, &ones], attrs());
        let repeat = wide / channels;
        let g = self.constant("gamma", &[wide], &gamma.repeat(repeat));
        let b = self.constant("beta", &[wide], &beta.repeat(repeat));
        let batch = batch as i64;
        let flat = self.reshape(
            &normed,
            &[batch, (rows * channels / wide) as i64, wide as i64],
        );
        let scaled = self.node("Mul", &[&flat, &g], vec![]);
        let shifted = self.node("Add", &[&scaled, &b], vec![]);
        self.reshape(&shifted, &[batch, rows as i64, channels as i64])
    }

    /// Exact GELU: `x * (1 + erf(x / sqrt 2)) / 2`.
    pub fn gelu(&mut self, x: &str) -> String {
        let inv_sqrt2 = self.constant("inv_sqrt2", &[], &[std::f32::consts::FRAC_1_SQRT_2]);
        let half = self.constant("half", &[], &[0.5]);
        let one = self.constant("one", &[], &[1.0]);
        let scaled = self.node("Mul", &[x, &inv_sqrt2], vec![]);
        let erf = self.node("Erf", &[&scaled], vec![]);
        let erf1 = self.node("Add", &[&erf, &one], vec![]);
        let xh = self.node("Mul", &[x, &half], vec![]);
        self.node("Mul", &[&xh, &erf1], vec![])
    }

    /// The finished graph.
    pub fn finish(mut self, name: &str) -> GraphProto {
        self.graph.name = name.to_string();
        self.graph
    }
}
