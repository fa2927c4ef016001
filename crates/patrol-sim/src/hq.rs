//! The few operator calls the simulator makes to HQ: read the city, create enrolment codes, read
//! the day's statistics. Devices themselves talk to HQ only through `patrol-sync`.

use anyhow::{Context, Result, bail};
use patrol_model::City;
use patrol_model::v1::DailyStats;

#[derive(Debug, Clone)]
pub struct Hq {
    pub url: String,
    token: String,
    http: reqwest::Client,
}

impl Hq {
    pub fn new(url: &str, token: &str) -> Result<Hq> {
        let url = patrol_sync::normalize_hq_url(url).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Hq {
            url,
            token: token.to_owned(),
            http: reqwest::Client::new(),
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "GET {path}: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(r.json().await?)
    }

    pub async fn city(&self) -> Result<City> {
        self.get("/api/v1/city").await
    }

    pub async fn daily_stats(&self, date: chrono::NaiveDate) -> Result<DailyStats> {
        self.get(&format!("/api/v1/stats/daily?date={date}")).await
    }

    pub async fn enrollment_code(&self, name: &str) -> Result<String> {
        let r = self
            .http
            .post(format!("{}/api/v1/enrollments", self.url))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "cannot create an enrolment code: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        let v: serde_json::Value = r.json().await?;
        v["code"]
            .as_str()
            .map(str::to_owned)
            .context("HQ's answer has no code")
    }
}
