use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use hark_train::data::batch::Cropper;
use hark_train::data::recordings::load_dir;
use hark_train::loss::focal_loss;
use hark_train::student::presets::preset;

fn main() {
    let clip = std::env::args().nth(1).is_some();
    let device = Device::flex().autodiff();
    device.seed(1);
    let cfg = preset("recorder", vec!["s".into()]).unwrap();
    let recs = load_dir(std::path::Path::new("tests/data/finch"), None, 16000).unwrap();
    let t = 128;
    let cropper = Cropper::new(&recs, 16000, 160, t, 1);
    let mut model = cfg.init(&device);
    let mut c = AdamWConfig::new().with_weight_decay(0.01).with_epsilon(1e-8);
    if clip { c = c.with_grad_clipping(Some(GradientClippingConfig::Norm(1.0))); }
    let mut optim = c.init();
    let b0 = cropper.batch(0, 8);
    let pos: f32 = b0.targets.iter().sum::<f32>() / b0.targets.len() as f32;
    let rms = (b0.audio.iter().map(|v| v * v).sum::<f32>() / b0.audio.len() as f32).sqrt();
    println!("positives {pos:.3} rms {rms:.4}");
    let mut acc = 0.0;
    for step in 0..120u64 {
        let b = cropper.batch(step, 8);
        let n = b.audio.len() / 8;
        let x = Tensor::<2>::from_data(TensorData::new(b.audio, [8, n]), &device);
        let y = Tensor::<2>::from_data(TensorData::new(b.targets, [8, t]), &device);
        let logits = model.forward(x).narrow(2, 0, 1).reshape([8, t]);
        let loss = focal_loss(logits, y, 0.5, 2.0);
        acc += loss.clone().into_scalar::<f32>();
        let gp = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(2e-3, model, gp);
        if step % 20 == 19 { println!("step {step} loss {:.5}", acc / 20.0); acc = 0.0; }
    }
}
