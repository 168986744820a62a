//! Where a model runs: the CPU (tract's own kernels), or an NVIDIA GPU through tract's CUDA
//! runtime (cargo feature `cuda`, CUDA 13; `cuda-12` for Jetson Orin's JetPack 6). A GPU that
//! cannot be used falls back to the CPU with a message that says why.

use std::fmt;

/// The device a model's plan is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Cpu,
    Cuda,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Cpu => "cpu",
            Backend::Cuda => "cuda",
        })
    }
}

impl Backend {
    /// The backend that can run here: `self`, or the CPU with the reason the GPU cannot be used.
    pub fn usable(self) -> (Backend, Option<String>) {
        match self {
            Backend::Cpu => (Backend::Cpu, None),
            Backend::Cuda => match gpu() {
                Ok(_) => (Backend::Cuda, None),
                Err(why) => (Backend::Cpu, Some(why)),
            },
        }
    }
}

/// The GPU tract's CUDA runtime uses, and its memory now.
#[derive(Debug, Clone)]
pub struct Gpu {
    pub name: String,
    pub memory_used_bytes: usize,
    pub memory_total_bytes: usize,
}

/// The GPU (device 0), or why it cannot be used: no driver, no CUDA libraries, or a build
/// without the `cuda` feature.
#[cfg(feature = "gpu")]
pub fn gpu() -> Result<Gpu, String> {
    tract_cuda::utils::ensure_cuda_runtime_dependencies("no usable CUDA installation")
        .map_err(|e| format!("{e:#}"))?;
    let context =
        cudarc::driver::CudaContext::new(0).map_err(|e| format!("no CUDA device: {e}"))?;
    let name = context.name().map_err(|e| e.to_string())?;
    let (free, total) = context.mem_get_info().map_err(|e| e.to_string())?;
    Ok(Gpu {
        name,
        memory_used_bytes: total - free,
        memory_total_bytes: total,
    })
}

#[cfg(not(feature = "gpu"))]
pub fn gpu() -> Result<Gpu, String> {
    Err(NO_CUDA.into())
}

/// Why a build without the `cuda` feature cannot use a GPU.
#[cfg(not(feature = "gpu"))]
pub(crate) const NO_CUDA: &str =
    "this hark was built without CUDA (cargo build --release -p hark --features cuda)";

/// `model`'s plan for the GPU: tract's CUDA transform on the decluttered graph (operators it has
/// no kernel for stay on the CPU, with copies around them), then optimized; inputs and outputs
/// stay host tensors.
#[cfg(feature = "gpu")]
pub(crate) fn cuda_plan(
    mut model: tract_onnx::prelude::TypedModel,
) -> tract_onnx::prelude::TractResult<tract_onnx::prelude::TypedSimplePlan> {
    use tract_onnx::prelude::*;
    use tract_onnx::tract_core::runtime::RunOptions;
    use tract_onnx::tract_core::transform::ModelTransform;

    gpu().map_err(|e| anyhow::anyhow!("{e}"))?;
    // The transform creates tract's CUDA context, which panics rather than failing when the
    // kernels cannot be compiled (no CUDA headers for NVRTC, for instance).
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tract_cuda::CudaTransform.transform(&mut model)
    }))
    .map_err(|_| {
        anyhow::anyhow!("tract's CUDA runtime could not start (see the message above)")
    })??;
    model.optimize()?;
    let options = RunOptions {
        skip_order_opt_ram: true,
        ..Default::default()
    };
    let mut plan = TypedSimplePlan::build(model, &options)?;
    if let Some(arena) = tract_gpu::turn_handler::DeviceTurnHandler::for_plan(&plan, None)? {
        plan = plan.with_turn_handler(arena);
    }
    // Weights are uploaded asynchronously: finish before any other thread's stream reads them.
    tract_gpu::device::get_context()?.synchronize()?;
    Ok(plan)
}
