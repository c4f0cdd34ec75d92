//! The background loops of `serve`: the scheduler (SPEC §4.2 practice: 催办, 通报 flags, 问题工单),
//! the check of the cached facts' versions (so a change made through another server is seen
//! within one check period) and the hourly upkeep (expired registration keys and sign-in counts,
//! planner statistics). All stop cleanly when asked.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::App;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackgroundConfig {
    /// Between scheduler passes; `None` disables the scheduler.
    pub tick: Option<Duration>,
    /// Between checks of `cache_versions`.
    pub cache_check: Duration,
    /// Between upkeep passes ([`App::housekeeping`]); the first comes one period after start.
    pub housekeeping: Duration,
}

/// The running loops; [`Background::stop`] ends them.
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl App {
    /// Starts the background loops on the current runtime.
    pub fn start_background(&self, config: BackgroundConfig) -> Background {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        if let Some(every) = config.tick {
            let app = self.clone();
            tasks.push(tokio::spawn(every_until_stopped(every, true, stopped.clone(), move || {
                let app = app.clone();
                async move {
                    match app.tick().await {
                        Ok(r) if r.changed > 0 => tracing::info!(?r, "scheduler pass"),
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "scheduler pass failed"),
                    }
                }
            })));
        }
        let app = self.clone();
        tasks.push(tokio::spawn(every_until_stopped(
            config.housekeeping,
            false,
            stopped.clone(),
            move || {
                let app = app.clone();
                async move {
                    if let Err(e) = app.housekeeping().await {
                        tracing::warn!(error = %e, "upkeep pass failed");
                    }
                }
            },
        )));
        let app = self.clone();
        tasks.push(tokio::spawn(every_until_stopped(config.cache_check, true, stopped, move || {
            let app = app.clone();
            async move {
                match app.refresh_caches().await {
                    Ok(true) => tracing::info!("cached calendar, policies and units reloaded"),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "cache version check failed"),
                }
            }
        })));
        Background { stop, tasks }
    }
}

impl Background {
    /// Asks every loop to stop and waits for them: a pass in progress is dropped between its
    /// commits (each case's commit is atomic), never half-written.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Runs `pass` every `every` (the first at once, or after one period) until stopped.
async fn every_until_stopped<F, Fut>(
    every: Duration,
    at_once: bool,
    mut stopped: watch::Receiver<bool>,
    mut pass: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut interval = tokio::time::interval(every);
    if !at_once {
        interval.reset();
    }
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.changed() => return,
        }
        tokio::select! {
            _ = pass() => {}
            _ = stopped.changed() => return,
        }
    }
}
