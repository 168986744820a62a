//! The firmware blob (`.hmb`, contract 3) of an int8 student: its ONNX file's int8 weights and
//! input steps, laid out flat for the Cortex-M engine to read in place.
//!
//! `hark_firmware::blob` documents the format. The weights are found in the file the way archive
//! mode finds them: a one-chunk graph is built from placeholder weights whose values all differ,
//! so each of its constants is known by its first value, and the file holds the trained values
//! under the same name.

use std::collections::HashMap;

use anyhow::{Context, Result, bail, ensure};
use hark::model::contract::Contract;
use hark::model::protobuf::{GraphProto, ModelProto, NodeProto, TensorProto, data_type};
use hark::stream::events::EventRules;
use hark_firmware::blob::{HASH_OFFSET, HEADER_BYTES, MAGIC, VERSION, dtype, hash};

use super::metadata::contract_of;
use super::student::{CallShape, student_model};
use super::variant::{config_of, placeholder};
use crate::student::config::StudentConfig;
use crate::student::weights::{Dense, NORM_EPS, Norm, StudentWeights};

/// The name suffix of the rounding node of each int8 cache update: `quantize::cache` names
/// them so, and the blob's writer counts them by it.
pub const CACHE_ROUND: &str = "_cache_round";

/// Fraction bits of the engine's requantized values: 6e-8, finer than f32 above 1, so that the
/// engine rounds where tract's f32 dequantization does (biases up to +-128).
pub const FRAC_BITS: u32 = 24;

fn f32s(t: &TensorProto) -> Vec<f32> {
    t.raw_data
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// A real factor `r > 0` as a Q31 multiplier and a right shift: `r ~ multiplier * 2^-shift`.
pub fn fixed_point(r: f64) -> Result<(i32, i32)> {
    ensure!(
        r.is_finite() && r >= 0.0,
        "requantization factor {r} is not a scale"
    );
    if r == 0.0 {
        return Ok((0, 1));
    }
    let exp = r.log2().floor() as i32 + 1; // r = mantissa * 2^exp, mantissa in [0.5, 1)
    let mut multiplier = (r * 2f64.powi(31 - exp)).round() as i64;
    let mut shift = 31 - exp;
    if multiplier == 1 << 31 {
        multiplier >>= 1;
        shift -= 1;
    }
    ensure!(
        (1..=62).contains(&shift),
        "requantization factor {r} is out of the fixed-point range"
    );
    Ok((multiplier as i32, shift))
}

/// One tensor of the blob.
enum Data {
    F32(Vec<f32>),
    I8(Vec<i8>),
    I32(Vec<i32>),
}

/// The trained file's constants, named by the placeholder weights they hold.
struct Source<'a> {
    graph: &'a GraphProto,
    by_name: HashMap<&'a str, &'a TensorProto>,
    /// A placeholder graph constant's first value (bits) to its name.
    by_first: HashMap<u32, String>,
}

impl<'a> Source<'a> {
    fn name_of(&self, placeholder: &[f32]) -> Result<&str> {
        self.by_first
            .get(&placeholder[0].to_bits())
            .map(String::as_str)
            .context("a weight of the architecture is not in the graph")
    }

    fn f32_values(&self, placeholder: &[f32], len: usize) -> Result<Vec<f32>> {
        let name = self.name_of(placeholder)?;
        let t = self
            .by_name
            .get(name)
            .filter(|t| t.data_type == data_type::FLOAT)
            .with_context(|| format!("`{name}` is not an f32 constant of the file"))?;
        let v = f32s(t);
        ensure!(
            v.len() >= len,
            "`{name}` holds {} values, not {len}",
            v.len()
        );
        Ok(v[..len].to_vec())
    }

    fn norm(&self, n: &Norm) -> Result<Vec<Data>> {
        let c = n.gamma.len();
        Ok(vec![
            Data::F32(self.f32_values(&n.gamma, c)?),
            Data::F32(self.f32_values(&n.beta, c)?),
        ])
    }

    /// The first node of type `op` that `matches`.
    fn node(&self, op: &str, matches: impl Fn(&NodeProto) -> bool) -> Result<&'a NodeProto> {
        self.graph
            .node
            .iter()
            .find(|n| n.op_type == op && matches(n))
            .with_context(|| format!("the graph has no {op} where the quantizer puts one"))
    }

    fn scalar(&self, name: &str) -> Result<f32> {
        self.by_name
            .get(name)
            .map(|t| f32s(t))
            .and_then(|v| v.first().copied())
            .with_context(|| format!("`{name}` is not a constant"))
    }

    /// A dense as the blob stores it: f32 where the file keeps it f32, else the file's int8
    /// weights, input step and combined dequantization scale as fixed-point requantization.
    fn dense(&self, d: &Dense, inputs: usize, outputs: usize, what: &str) -> Result<Vec<Data>> {
        let w_name = self.name_of(&d.w)?;
        let bias = self.f32_values(&d.b, outputs)?;
        let transpose = |w: &[f32]| -> Vec<f32> {
            (0..outputs)
                .flat_map(|o| (0..inputs).map(move |i| w[i * outputs + o]))
                .collect()
        };
        let int8_name = format!("{w_name}_int8");
        let Some(w_q) = self.by_name.get(int8_name.as_str()) else {
            let w = self.f32_values(&d.w, inputs * outputs)?;
            return Ok(vec![Data::F32(transpose(&w)), Data::F32(bias)]);
        };
        ensure!(
            w_q.data_type == data_type::INT8 && w_q.raw_data.len() == inputs * outputs,
            "`{int8_name}` ({what}) is not an int8 [{inputs}, {outputs}] matrix"
        );
        // QuantizeLinear(x, x_scale) -> MatMulInteger(x_q, w_q) -> Cast -> Mul(dequant).
        let matmul = self.node("MatMulInteger", |n| n.input[1] == int8_name)?;
        let quantize = self.node("QuantizeLinear", |n| n.output[0] == matmul.input[0])?;
        let x_scale = self.scalar(&quantize.input[1])?;
        let cast = self.node("Cast", |n| n.input[0] == matmul.output[0])?;
        let mul = self.node("Mul", |n| n.input[0] == cast.output[0])?;
        let dequant = f32s(
            self.by_name
                .get(mul.input[1].as_str())
                .context("dequantization scale")?,
        );
        ensure!(
            dequant.len() == outputs,
            "{what}: {} dequantization scales",
            dequant.len()
        );
        let w: Vec<i8> = w_q.raw_data.iter().map(|&b| b as i8).collect();
        let w: Vec<i8> = (0..outputs)
            .flat_map(|o| (0..inputs).map(|i| w[i * outputs + o]).collect::<Vec<_>>())
            .collect();
        let unit = (1u64 << FRAC_BITS) as f64;
        let mut multipliers = Vec::with_capacity(outputs);
        let mut shifts = Vec::with_capacity(outputs);
        for &m in &dequant {
            let (multiplier, shift) = fixed_point(m as f64 * unit)?;
            multipliers.push(multiplier);
            shifts.push(shift);
        }
        ensure!(
            bias.iter()
                .all(|b| (b.abs() as f64) * unit < i32::MAX as f64),
            "{what}: a bias beyond the fixed-point range (+-{})",
            1u32 << (31 - FRAC_BITS)
        );
        let bias = bias
            .iter()
            .map(|&b| (b as f64 * unit).round() as i32)
            .collect();
        Ok(vec![
            Data::I8(w),
            Data::F32(vec![x_scale]),
            Data::I32(bias),
            Data::I32(multipliers),
            Data::I32(shifts),
        ])
    }
}

/// The blob of `model`, an int8 student (from `hark-train quantize --firmware`).
pub fn firmware_blob(model: &ModelProto) -> Result<Vec<u8>> {
    let contract = contract_of(model)?;
    ensure!(
        contract.quantization == "int8",
        "the model is {}: the firmware runs int8 students; quantize it first (hark-train quantize --firmware)",
        contract.quantization
    );
    let config = config_of(model, &contract)?;
    let graph = model.graph.as_ref().context("the model holds no graph")?;
    let rounded_caches = graph
        .node
        .iter()
        .filter(|n| n.op_type == "Round" && n.name.ends_with(CACHE_ROUND))
        .count();
    ensure!(
        rounded_caches == 2 * config.layers,
        "the model carries its key/value cache in f32, the firmware in int8: quantize the f32 \
         source with --firmware, so that the ONNX file computes what the firmware does"
    );
    let weights = placeholder(&config, 1);
    let built = student_model(&config, &weights, &contract, CallShape::STREAMING);
    let source = Source {
        graph,
        by_name: graph
            .initializer
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect(),
        by_first: built
            .graph
            .iter()
            .flat_map(|g| &g.initializer)
            .filter(|t| t.data_type == data_type::FLOAT && t.raw_data.len() >= 4)
            .map(|t| {
                let first = u32::from_le_bytes([
                    t.raw_data[0],
                    t.raw_data[1],
                    t.raw_data[2],
                    t.raw_data[3],
                ]);
                (first, t.name.clone())
            })
            .collect(),
    };
    let tensors = tensors(&source, &config, &weights)?;
    Ok(layout(&config, &contract, &tensors))
}

/// The blob's tensors in its layer-table order.
fn tensors(s: &Source, c: &StudentConfig, w: &StudentWeights) -> Result<Vec<Data>> {
    let mut out = Vec::new();
    for (i, (spec, cw)) in c.conv.iter().zip(&w.conv).enumerate() {
        let inputs = spec.kernel * c.conv_in(i);
        let dense = s.dense(
            &Dense {
                w: cw.w.clone(),
                b: cw.b.clone(),
            },
            inputs,
            spec.channels,
            "conv",
        )?;
        let is_int8 = matches!(dense[0], Data::I8(_));
        if (i == 0) == is_int8 {
            bail!(
                "conv layer {i} is {}: the firmware reads raw audio in f32 and runs the other conv \
                 layers in int8; quantize the f32 source with --firmware",
                if is_int8 { "int8" } else { "f32" }
            );
        }
        out.extend(dense);
        out.extend(s.norm(&cw.norm)?);
    }
    let (d, ffn) = (c.d_model, c.ffn);
    for l in &w.layers {
        out.extend(s.norm(&l.attn_norm)?);
        out.extend(s.dense(&l.qkv, d, 3 * d, "qkv")?);
        out.extend(s.dense(&l.out, d, d, "attention out")?);
        out.extend(s.norm(&l.ffn_norm)?);
        out.extend(s.dense(&l.ffn_in, d, ffn, "feed-forward in")?);
        out.extend(s.dense(&l.ffn_out, ffn, d, "feed-forward out")?);
    }
    out.extend(s.norm(&w.final_norm)?);
    out.extend(s.dense(&w.head, d, c.classes.len(), "head")?);
    Ok(out)
}

fn put(bytes: &mut Vec<u8>, words: &[u32]) {
    for w in words {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
}

/// Header, tables and data, with the hash filled in.
fn layout(c: &StudentConfig, contract: &Contract, tensors: &[Data]) -> Vec<u8> {
    let rules = EventRules::from_contract(contract);
    let mut b = Vec::new();
    b.extend_from_slice(&MAGIC);
    b.extend_from_slice(&VERSION.to_le_bytes());
    b.extend_from_slice(&(HEADER_BYTES as u16).to_le_bytes());
    put(&mut b, &[0, 0]); // hash and size, filled in below
    put(
        &mut b,
        &[
            c.sample_rate,
            c.chunk_frames as u32,
            c.past_chunks as u32,
            c.d_model as u32,
            c.heads as u32,
            c.layers as u32,
            c.ffn as u32,
            c.classes.len() as u32,
            c.conv.len() as u32,
            tensors.len() as u32,
            NORM_EPS.to_bits(),
            FRAC_BITS,
        ],
    );
    debug_assert_eq!(b.len(), HEADER_BYTES);
    for spec in &c.conv {
        put(
            &mut b,
            &[spec.kernel as u32, spec.stride as u32, spec.channels as u32],
        );
    }
    for (on, off) in rules.on.iter().zip(&rules.off) {
        put(&mut b, &[on.to_bits(), off.to_bits()]);
    }
    put(
        &mut b,
        &[
            rules.min_frames as u32,
            rules.merge_gap_frames as u32,
            rules.max_frames as u32,
        ],
    );
    put(
        &mut b,
        &c.alibi_slopes()
            .iter()
            .map(|s| s.to_bits())
            .collect::<Vec<_>>(),
    );

    let mut offset = b.len() + 12 * tensors.len();
    let mut data = Vec::new();
    for t in tensors {
        let (kind, count, bytes): (u32, usize, Vec<u8>) = match t {
            Data::F32(v) => (
                dtype::F32,
                v.len(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            Data::I8(v) => (dtype::I8, v.len(), v.iter().map(|&x| x as u8).collect()),
            Data::I32(v) => (
                dtype::I32,
                v.len(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
        };
        put(&mut b, &[kind, count as u32, offset as u32]);
        offset += bytes.len().next_multiple_of(4);
        data.extend_from_slice(&bytes);
        data.resize(data.len().next_multiple_of(4), 0);
    }
    b.extend_from_slice(&data);
    let size = b.len() as u32;
    b[12..16].copy_from_slice(&size.to_le_bytes());
    let h = hash(&b);
    b[HASH_OFFSET..HASH_OFFSET + 4].copy_from_slice(&h.to_le_bytes());
    b
}

/// What [`export_firmware`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct BlobSummary {
    pub size: usize,
    pub hash: u32,
    /// RAM the firmware engine needs for it (activations, tails, key/value ring).
    pub ram_bytes: usize,
}

/// Writes the blob of the int8 student at `model` to `out` (atomically), after reading it back
/// the way the firmware does.
pub fn export_firmware(model: &std::path::Path, out: &std::path::Path) -> Result<BlobSummary> {
    use prost::Message;
    let bytes = std::fs::read(model).with_context(|| format!("cannot read {}", model.display()))?;
    let proto = ModelProto::decode(bytes.as_slice())
        .with_context(|| format!("{} is not an ONNX model", model.display()))?;
    let blob = firmware_blob(&proto).with_context(|| format!("{}", model.display()))?;
    let parsed = hark_firmware::Blob::parse(&blob)
        .map_err(|e| anyhow::anyhow!("the blob written does not read back: {e:?}"))?;
    let summary = BlobSummary {
        size: blob.len(),
        hash: parsed.hash,
        ram_bytes: parsed.arena().bytes(),
    };
    hark::sinks::write_atomic(out, &blob)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::fixed_point;

    #[test]
    fn fixed_point_keeps_31_bits_of_the_factor() {
        assert_eq!(fixed_point(0.75).unwrap(), (3 << 29, 31));
        for r in [6.5, 1e-3, 123.456, 0.999_999_999_9] {
            let (m, shift) = fixed_point(r).unwrap();
            assert!((1 << 30..=i32::MAX).contains(&m), "{r}: {m}");
            let back = m as f64 / 2f64.powi(shift);
            assert!((back - r).abs() <= r * 2f64.powi(-30), "{r}: {back}");
        }
        assert_eq!(fixed_point(0.0).unwrap(), (0, 1));
        assert!(fixed_point(f64::NAN).is_err() && fixed_point(-1.0).is_err());
    }
}
