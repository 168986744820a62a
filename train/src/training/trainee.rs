//! What is trained (the student, and a projection onto the teacher's features when distilling
//! them), and what it starts from: fresh weights, a pretrained encoder, or a run's best.

use anyhow::{Context, Result};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

use super::config::TrainConfig;
use super::run_files::RunFiles;
use crate::distill::TeacherData;
use crate::student::config::StudentConfig;
use crate::student::model::Student;
use crate::teacher::pretrain::PretrainFiles;

/// What is trained: the student, and a projection of its features onto the teacher's when
/// distilling features.
#[derive(Module, Debug)]
pub struct Trainee {
    pub student: Student,
    pub projection: Option<Linear>,
}

impl Trainee {
    /// The model a run starts with on `device`: `student_cfg` freshly initialised, with the
    /// pretrained encoder of `cfg.init`, or fake-quantized from `cfg.qat`'s run; and a
    /// projection onto `teacher`'s features when `cfg` distills them.
    pub fn init(
        cfg: &TrainConfig,
        student_cfg: &StudentConfig,
        teacher: Option<&TeacherData>,
        device: &Device,
    ) -> Result<Self> {
        let projection = match (teacher, &cfg.distill) {
            (Some(t), Some(d)) if d.feature_weight > 0.0 => {
                let dim = t
                    .feature_dim
                    .context("the teacher gives no features to regress")?;
                Some(LinearConfig::new(student_cfg.d_model, dim).init(device))
            }
            _ => None,
        };
        let mut model = Trainee {
            student: student_cfg.init(device),
            projection,
        };
        if let Some(init) = &cfg.init {
            let weights = PretrainFiles(init.clone()).encoder();
            model.student = model.student.try_load_file(&weights).with_context(|| {
                format!("loading the pretrained encoder {}.bpk", weights.display())
            })?;
        }
        if let Some(qat) = &cfg.qat {
            let weights = RunFiles {
                dir: qat.from.clone(),
            }
            .best();
            model.student = model
                .student
                .try_load_file(&weights)
                .with_context(|| format!("loading {}.bpk to fine-tune", weights.display()))?
                .with_fake_quant(Some(qat.steps.clone()))
                .map_err(anyhow::Error::msg)?;
        }
        Ok(model)
    }
}
