//! The report: the scenario's inputs, the results, the what-if table and the chart on one
//! page, as PNG or PDF.
//!
//! plotters lays the page out once. The PNG comes from its bitmap backend and the PDF from its
//! SVG backend through usvg and svg2pdf. usvg gets the chart font, so the PDF embeds the glyphs
//! it uses (Chinese too) as a subset font and keeps the text selectable. The page is A4 wide (1,240 px at 150 dpi) and grows longer when the inputs do
//! not fit, so a report is always one page.

use std::collections::BTreeMap;
use std::sync::Arc;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::{self, encode_png, format_number, palette, render_error, ChartData, ChartText, Theme, FONT_FAMILY};
use crate::error::{Error, Result};
use crate::scenario::{Period, PowerMode, Scenario};
use crate::{analyze, assets, Analysis, NeverReason, Outcome, SensitivityCase};

/// Page width in pixels: A4 at 150 dpi.
pub const PAGE_WIDTH: u32 = 1_240;
/// Shortest page height in pixels: A4 at 150 dpi.
pub const PAGE_HEIGHT: u32 = 1_754;
/// Pixels per inch of the page, which sets the PDF page size: 1,240 px is 595 pt.
const PAGE_DPI: f32 = 150.0;
/// Maximum page height, so a scenario with every list full still gives a bounded image.
const MAX_PAGE_HEIGHT: u32 = 16_000;
const MARGIN: i32 = 80;
/// Indent of list items, because SVG viewers collapse leading spaces.
const INDENT: i32 = 28;
const CHART_HEIGHT: u32 = 560;

/// Every text the report uses, with its English wording. Placeholders in braces are filled
/// in; the app passes the same keys from its Chinese catalog.
pub const ENGLISH: &[(&str, &str)] = &[
    ("title", "Cost and payback of self-hosting"),
    ("subtitle", "Scenario: {name} · Currency: {currency}"),
    ("unnamed", "unnamed"),
    ("none", "none"),
    ("inputs", "Inputs"),
    ("hardware", "Hardware"),
    ("hardwareLine", "{name}: {price}, lasts {life} years, resale {resale}"),
    ("devices", "Power draw"),
    ("deviceLine", "{name}: {watts} W on average × {quantity}"),
    ("electricity", "Electricity: {price} per kWh"),
    ("runningCosts", "Other running costs"),
    ("perMonth", "{amount} a month"),
    ("perYear", "{amount} a year"),
    ("entryLine", "{name}: {amount}"),
    ("upkeep", "Upkeep: {hours} hours a month, an hour valued at {value}"),
    ("subscriptions", "Subscriptions replaced"),
    ("results", "Results"),
    ("withoutTime", "Without the value of time"),
    ("withTime", "With the value of time"),
    ("hardwarePrice", "Hardware bought up front"),
    ("energy", "Electricity a year"),
    ("energyLine", "{kwh} kWh, {amount}"),
    ("runningPerMonth", "Running cost a month"),
    ("runningPerYear", "Running cost a year"),
    ("savingPerYear", "Saving a year"),
    ("payback", "Payback"),
    ("paybackYears", "{years} years"),
    ("breakEven", "Break-even"),
    ("breakEvenMonth", "month {month}"),
    ("netPosition", "Net position after year {years}"),
    ("neverNoSaving", "never: running costs are at least the subscriptions"),
    ("neverHardwareWearsOut", "never: the hardware wears out first"),
    ("neverTooSlow", "never: not within 50 years"),
    ("sensitivity", "What if"),
    ("case", "Case"),
    ("caseBase", "As entered"),
    ("caseElectricityPlus50", "Electricity 50 % dearer"),
    ("caseLifeMinusOneYear", "Hardware lasts a year less"),
    ("caseWithoutElectricity", "Electricity left out (rule of thumb)"),
    ("netAfter5Years", "Net after 5 years"),
    ("chart", "Cumulative cost"),
    ("chartYears", "Years"),
    ("chartSubscriptions", "Subscriptions"),
    ("chartSelfHosting", "Self-hosting"),
    ("chartSelfHostingWithoutTime", "Self-hosting without time"),
    ("chartBreakEven", "Break-even: month {month}"),
    ("chartNotWithin", "No break-even within {years} years"),
    ("chartBreakEvenWithoutTime", "Break-even without the value of time: month {month}"),
    (
        "note",
        "Cash view: hardware is paid up front and again when it wears out, and an item's resale value counts when it is replaced. The time figures include the upkeep hours at the hour value. All figures are estimates from the inputs above.",
    ),
];

/// The report's texts in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLabels {
    texts: BTreeMap<String, String>,
}

impl ReportLabels {
    /// Returns the English texts.
    pub fn english() -> Self {
        Self::from_map(BTreeMap::new())
    }

    /// Uses `texts` by key, with English for every key it lacks.
    pub fn from_map(texts: BTreeMap<String, String>) -> Self {
        let mut all: BTreeMap<String, String> = ENGLISH
            .iter()
            .map(|(key, text)| (key.to_string(), text.to_string()))
            .collect();
        for (key, text) in texts {
            if all.contains_key(&key) {
                all.insert(key, text);
            }
        }
        Self { texts: all }
    }

    /// Returns the text for `key`, or the key itself for a key [`ENGLISH`] lacks.
    pub fn text(&self, key: &str) -> String {
        self.texts.get(key).cloned().unwrap_or_else(|| key.to_string())
    }

    /// Returns the text for `key` with each `{name}` replaced.
    pub fn fill(&self, key: &str, values: &[(&str, String)]) -> String {
        let mut text = self.text(key);
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// Returns the chart's texts for `analysis`.
    pub fn chart_text(&self, analysis: &Analysis, title: bool) -> ChartText {
        // The marker follows chart_data: the line with time when it crosses, otherwise the
        // line without time, so the label never says "no break-even" beside a crossing.
        let within = |month: Option<u32>| month.filter(|month| *month <= analysis.horizon_years * 12);
        let break_even = match (
            within(analysis.with_time.break_even_month),
            within(analysis.without_time.break_even_month),
        ) {
            (Some(month), _) => self.fill("chartBreakEven", &[("month", month.to_string())]),
            (None, Some(month)) => self.fill("chartBreakEvenWithoutTime", &[("month", month.to_string())]),
            (None, None) => self.fill("chartNotWithin", &[("years", analysis.horizon_years.to_string())]),
        };
        ChartText {
            title: title.then(|| self.text("chart")),
            x_label: self.text("chartYears"),
            y_label: analysis.currency.clone(),
            subscriptions: self.text("chartSubscriptions"),
            self_hosting: self.text("chartSelfHosting"),
            self_hosting_without_time: self.text("chartSelfHostingWithoutTime"),
            break_even,
        }
    }
}

/// Money with the currency's symbol and decimals, such as `$2,500.00` or `¥1,300`.
struct Money {
    symbol: String,
    decimals: usize,
}

impl Money {
    fn for_currency(code: &str) -> Self {
        match assets::currencies().and_then(|list| list.get(code)) {
            Ok(currency) => Self {
                symbol: currency.symbol.clone(),
                decimals: usize::from(currency.decimals),
            },
            Err(_) => Self {
                symbol: format!("{code} "),
                decimals: 2,
            },
        }
    }

    fn format(&self, amount: f64) -> String {
        let number = format_number(amount.abs(), self.decimals);
        if amount < 0.0 && number.chars().any(|digit| ('1'..='9').contains(&digit)) {
            format!("-{}{number}", self.symbol)
        } else {
            format!("{}{number}", self.symbol)
        }
    }

    /// Formats a price that may need more decimals than the currency shows, such as 0.155 per
    /// kWh.
    fn format_price(&self, amount: f64) -> String {
        let cents = amount * 100.0;
        let decimals = if (cents - cents.round()).abs() > 1e-6 {
            3.max(self.decimals)
        } else {
            self.decimals
        };
        format!("{}{}", self.symbol, format_number(amount, decimals))
    }
}

/// A piece of the page, laid out top to bottom.
enum Block {
    Title(String),
    Subtitle(String),
    Heading(String),
    Line(String),
    /// A line of a list, indented.
    Item(String),
    /// Rows of cells; the first row is the header. `columns` are the left edges as fractions
    /// of the text width.
    Table {
        columns: Vec<f64>,
        rows: Vec<Vec<String>>,
    },
    Chart,
    Note(String),
}

/// Lays out the report of a valid scenario.
struct Document {
    blocks: Vec<Block>,
    chart_data: ChartData,
    chart_text: ChartText,
}

fn compose(scenario: &Scenario, analysis: &Analysis, labels: &ReportLabels) -> Result<Document> {
    let money = Money::for_currency(&scenario.currency);
    let name_or_unnamed = |name: &str| {
        if name.trim().is_empty() {
            labels.text("unnamed")
        } else {
            name.to_string()
        }
    };
    let periodic = |amount: f64, period: Period| {
        let key = match period {
            Period::Month => "perMonth",
            Period::Year => "perYear",
        };
        labels.fill(key, &[("amount", money.format(amount))])
    };
    let mut blocks = vec![
        Block::Title(labels.text("title")),
        Block::Subtitle(labels.fill(
            "subtitle",
            &[
                ("name", name_or_unnamed(&scenario.name)),
                ("currency", scenario.currency.clone()),
            ],
        )),
        Block::Heading(labels.text("inputs")),
    ];

    let mut list = |heading: &str, lines: Vec<String>| {
        blocks.push(Block::Line(format!("{}:", labels.text(heading))));
        if lines.is_empty() {
            blocks.push(Block::Item(labels.text("none")));
        }
        blocks.extend(lines.into_iter().map(Block::Item));
    };
    list(
        "hardware",
        scenario
            .hardware
            .iter()
            .map(|item| {
                labels.fill(
                    "hardwareLine",
                    &[
                        ("name", name_or_unnamed(&item.name)),
                        ("price", money.format(item.price)),
                        ("life", format_number(item.life_years, decimals_for(item.life_years))),
                        ("resale", money.format(item.resale)),
                    ],
                )
            })
            .collect(),
    );
    list(
        "devices",
        scenario
            .devices
            .iter()
            .map(|device| {
                let watts = device.average_watts();
                let mut line = labels.fill(
                    "deviceLine",
                    &[
                        ("name", name_or_unnamed(&device.name)),
                        ("watts", format_number(watts, decimals_for(watts).min(1))),
                        ("quantity", device.quantity.to_string()),
                    ],
                );
                if device.mode == PowerMode::Profile {
                    line.push_str(&format!(
                        " ({} / {} W, {} h)",
                        format_number(device.idle_watts, decimals_for(device.idle_watts)),
                        format_number(device.load_watts, decimals_for(device.load_watts)),
                        format_number(device.hours_at_load, decimals_for(device.hours_at_load)),
                    ));
                }
                line
            })
            .collect(),
    );
    list(
        "runningCosts",
        scenario
            .running_costs
            .iter()
            .map(|cost| {
                labels.fill(
                    "entryLine",
                    &[
                        ("name", name_or_unnamed(&cost.name)),
                        ("amount", periodic(cost.amount, cost.period)),
                    ],
                )
            })
            .collect(),
    );
    list(
        "subscriptions",
        scenario
            .subscriptions
            .iter()
            .map(|subscription| {
                labels.fill(
                    "entryLine",
                    &[
                        ("name", name_or_unnamed(&subscription.name)),
                        ("amount", periodic(subscription.amount, subscription.period)),
                    ],
                )
            })
            .collect(),
    );
    blocks.push(Block::Line(
        labels.fill("electricity", &[("price", money.format_price(scenario.kwh_price))]),
    ));
    blocks.push(Block::Line(labels.fill(
        "upkeep",
        &[
            (
                "hours",
                format_number(
                    scenario.upkeep.hours_per_month,
                    decimals_for(scenario.upkeep.hours_per_month),
                ),
            ),
            ("value", money.format(scenario.upkeep.hour_value)),
        ],
    )));

    blocks.push(Block::Heading(labels.text("results")));
    blocks.push(Block::Table {
        columns: vec![0.0, 0.42, 0.71],
        rows: result_rows(analysis, labels),
    });
    blocks.push(Block::Heading(labels.text("sensitivity")));
    blocks.push(Block::Table {
        columns: vec![0.0, 0.40, 0.58, 0.84],
        rows: sensitivity_rows(analysis, labels),
    });
    blocks.push(Block::Heading(labels.text("chart")));
    blocks.push(Block::Chart);
    blocks.push(Block::Note(labels.text("note")));

    Ok(Document {
        blocks,
        chart_data: chart::chart_data(scenario)?,
        chart_text: labels.chart_text(analysis, false),
    })
}

/// Shows whole numbers without decimals and others with up to two.
fn decimals_for(value: f64) -> usize {
    if value.fract().abs() < 1e-9 {
        0
    } else if (value * 10.0).fract().abs() < 1e-9 {
        1
    } else {
        2
    }
}

fn payback_text(outcome: &Outcome, labels: &ReportLabels) -> String {
    match (outcome.payback_years, outcome.never_reason) {
        (Some(years), _) => labels.fill("paybackYears", &[("years", format_number(years, 2))]),
        (None, reason) => never_text(reason, labels),
    }
}

fn never_text(reason: Option<NeverReason>, labels: &ReportLabels) -> String {
    match reason {
        Some(NeverReason::HardwareWearsOut) => labels.text("neverHardwareWearsOut"),
        Some(NeverReason::TooSlow) => labels.text("neverTooSlow"),
        Some(NeverReason::NoSaving) | None => labels.text("neverNoSaving"),
    }
}

fn break_even_text(month: Option<u32>, labels: &ReportLabels) -> String {
    match month {
        Some(month) => labels.fill("breakEvenMonth", &[("month", month.to_string())]),
        None => "—".to_string(),
    }
}

/// Returns the results as rows of label, value without time and value with time, with a
/// header row first. The CLI prints the same rows as the report.
pub fn result_rows(analysis: &Analysis, labels: &ReportLabels) -> Vec<Vec<String>> {
    let money = Money::for_currency(&analysis.currency);
    let both = |label: String, value: &dyn Fn(&Outcome) -> String| {
        vec![label, value(&analysis.without_time), value(&analysis.with_time)]
    };
    let breakdown = &analysis.breakdown;
    let mut rows = vec![
        vec![String::new(), labels.text("withoutTime"), labels.text("withTime")],
        vec![
            labels.text("hardwarePrice"),
            money.format(breakdown.hardware_price),
            money.format(breakdown.hardware_price),
        ],
        {
            let energy = labels.fill(
                "energyLine",
                &[
                    ("kwh", format_number(breakdown.kwh_per_year, 0)),
                    ("amount", money.format(breakdown.electricity_per_year)),
                ],
            );
            vec![labels.text("energy"), energy.clone(), energy]
        },
        both(labels.text("runningPerMonth"), &|outcome| {
            money.format(outcome.running_per_month)
        }),
        both(labels.text("runningPerYear"), &|outcome| {
            money.format(outcome.running_per_year)
        }),
        both(labels.text("savingPerYear"), &|outcome| {
            money.format(outcome.saving_per_year)
        }),
        both(labels.text("payback"), &|outcome| payback_text(outcome, labels)),
        both(labels.text("breakEven"), &|outcome| {
            break_even_text(outcome.break_even_month, labels)
        }),
    ];
    for (index, position) in analysis.with_time.net_positions.iter().enumerate() {
        let without = analysis.without_time.net_positions.get(index).map_or(0.0, |p| p.amount);
        rows.push(vec![
            labels.fill("netPosition", &[("years", position.years.to_string())]),
            money.format(without),
            money.format(position.amount),
        ]);
    }
    rows
}

/// Returns the what-if cases as rows of case, running cost a year, payback and net after 5
/// years, with a header row first.
pub fn sensitivity_rows(analysis: &Analysis, labels: &ReportLabels) -> Vec<Vec<String>> {
    let money = Money::for_currency(&analysis.currency);
    let mut rows = vec![vec![
        labels.text("case"),
        labels.text("runningPerYear"),
        labels.text("payback"),
        labels.text("netAfter5Years"),
    ]];
    for row in &analysis.sensitivity {
        let case = match row.case {
            SensitivityCase::Base => "caseBase",
            SensitivityCase::ElectricityPlus50 => "caseElectricityPlus50",
            SensitivityCase::LifeMinusOneYear => "caseLifeMinusOneYear",
            SensitivityCase::WithoutElectricity => "caseWithoutElectricity",
        };
        let payback = match row.payback_years {
            Some(years) => labels.fill("paybackYears", &[("years", format_number(years, 2))]),
            None => never_text(row.never_reason, labels),
        };
        rows.push(vec![
            labels.text(case),
            money.format(row.running_per_year),
            payback,
            money.format(row.net_after_5_years),
        ]);
    }
    rows
}

/// Font sizes and line heights in pixels.
const TITLE_SIZE: u32 = 38;
const SUBTITLE_SIZE: u32 = 20;
const HEADING_SIZE: u32 = 27;
const BODY_SIZE: u32 = 19;
const NOTE_SIZE: u32 = 16;

fn line_height(size: u32) -> i32 {
    (f64::from(size) * 1.5).round() as i32
}

/// Splits `text` into lines no wider than `width` pixels at `size`, at spaces where it has
/// them and between characters otherwise, as Chinese text needs.
fn wrap(text: &str, size: u32, width: i32) -> Vec<String> {
    let font = FontDesc::new(FontFamily::Name(FONT_FAMILY), f64::from(size), FontStyle::Normal);
    let fits = |line: &str| {
        font.box_size(line)
            .map(|(line_width, _)| line_width as i32 <= width)
            .unwrap_or(true)
    };
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_inclusive(' ') {
        let candidate = format!("{current}{word}");
        if fits(candidate.trim_end()) {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(current.trim_end().to_string());
            current = String::new();
        }
        for character in word.chars() {
            let candidate = format!("{current}{character}");
            if fits(candidate.trim_end()) || current.is_empty() {
                current = candidate;
            } else {
                lines.push(current.trim_end().to_string());
                current = character.to_string();
            }
        }
    }
    if !current.trim().is_empty() {
        lines.push(current.trim_end().to_string());
    }
    lines
}

/// A block's lines at its size, already wrapped.
struct Placed {
    top: i32,
    height: i32,
}

fn text_width() -> i32 {
    PAGE_WIDTH as i32 - 2 * MARGIN
}

fn block_height(block: &Block) -> i32 {
    let width = text_width();
    match block {
        Block::Title(text) => wrap(text, TITLE_SIZE, width).len() as i32 * line_height(TITLE_SIZE) + 6,
        Block::Subtitle(text) => wrap(text, SUBTITLE_SIZE, width).len() as i32 * line_height(SUBTITLE_SIZE) + 10,
        Block::Heading(text) => wrap(text, HEADING_SIZE, width).len() as i32 * line_height(HEADING_SIZE) + 18,
        Block::Line(text) => wrap(text, BODY_SIZE, width).len() as i32 * line_height(BODY_SIZE),
        Block::Item(text) => wrap(text, BODY_SIZE, width - INDENT).len() as i32 * line_height(BODY_SIZE),
        Block::Table { columns, rows } => rows
            .iter()
            .map(|row| {
                table_row_lines(columns, row)
                    .into_iter()
                    .map(|lines| lines.len())
                    .max()
                    .unwrap_or(1) as i32
            })
            .map(|lines| lines * line_height(BODY_SIZE) + 6)
            .sum(),
        Block::Chart => CHART_HEIGHT as i32 + 10,
        Block::Note(text) => wrap(text, NOTE_SIZE, width).len() as i32 * line_height(NOTE_SIZE) + 24,
    }
}

fn table_row_lines(columns: &[f64], row: &[String]) -> Vec<Vec<String>> {
    let width = f64::from(text_width());
    row.iter()
        .enumerate()
        .map(|(index, cell)| {
            let start = columns[index];
            let end = columns.get(index + 1).copied().unwrap_or(1.0);
            let cell_width = ((end - start) * width) as i32 - 16;
            wrap(cell, BODY_SIZE, cell_width.max(40))
        })
        .collect()
}

fn layout(document: &Document) -> (Vec<Placed>, u32) {
    let mut top = MARGIN;
    let placed = document
        .blocks
        .iter()
        .map(|block| {
            let height = block_height(block);
            let placed = Placed { top, height };
            top += height;
            placed
        })
        .collect();
    let page_height = (top + MARGIN).clamp(PAGE_HEIGHT as i32, MAX_PAGE_HEIGHT as i32) as u32;
    (placed, page_height)
}

fn draw_page<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, document: &Document, placed: &[Placed]) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let colors = palette(Theme::Light);
    root.fill(&colors.background).map_err(render_error)?;
    let draw_lines = |lines: Vec<String>, x: i32, top: i32, size: u32, color: RGBColor| -> Result<()> {
        let style = TextStyle::from((FONT_FAMILY, size).into_font())
            .color(&color)
            .pos(Pos::new(HPos::Left, VPos::Top));
        for (index, line) in lines.iter().enumerate() {
            let y = top + index as i32 * line_height(size);
            root.draw(&Text::new(line.as_str(), (x, y), style.clone()))
                .map_err(render_error)?;
        }
        Ok(())
    };
    let width = text_width();
    for (block, place) in document.blocks.iter().zip(placed) {
        if place.top + place.height > MAX_PAGE_HEIGHT as i32 {
            // NOTE: content past the longest page is cut; only a scenario near every list's
            // limit gets there.
            break;
        }
        match block {
            Block::Title(text) => draw_lines(
                wrap(text, TITLE_SIZE, width),
                MARGIN,
                place.top,
                TITLE_SIZE,
                colors.text,
            )?,
            Block::Subtitle(text) => draw_lines(
                wrap(text, SUBTITLE_SIZE, width),
                MARGIN,
                place.top,
                SUBTITLE_SIZE,
                colors.muted,
            )?,
            Block::Heading(text) => draw_lines(
                wrap(text, HEADING_SIZE, width),
                MARGIN,
                place.top + 12,
                HEADING_SIZE,
                colors.subscriptions,
            )?,
            Block::Line(text) => draw_lines(wrap(text, BODY_SIZE, width), MARGIN, place.top, BODY_SIZE, colors.text)?,
            Block::Item(text) => draw_lines(
                wrap(text, BODY_SIZE, width - INDENT),
                MARGIN + INDENT,
                place.top,
                BODY_SIZE,
                colors.text,
            )?,
            Block::Note(text) => draw_lines(
                wrap(text, NOTE_SIZE, width),
                MARGIN,
                place.top + 16,
                NOTE_SIZE,
                colors.muted,
            )?,
            Block::Table { columns, rows } => {
                let mut top = place.top;
                for (row_index, row) in rows.iter().enumerate() {
                    let cells = table_row_lines(columns, row);
                    let lines = cells.iter().map(Vec::len).max().unwrap_or(1) as i32;
                    let color = if row_index == 0 { colors.muted } else { colors.text };
                    for (cell, start) in cells.into_iter().zip(columns) {
                        let x = MARGIN + (start * f64::from(width)) as i32;
                        draw_lines(cell, x, top, BODY_SIZE, color)?;
                    }
                    top += lines * line_height(BODY_SIZE) + 6;
                    root.draw(&PathElement::new(
                        vec![(MARGIN, top - 3), (MARGIN + width, top - 3)],
                        ShapeStyle::from(&colors.grid),
                    ))
                    .map_err(render_error)?;
                }
            }
            Block::Chart => {
                let area = root.clone().shrink((MARGIN, place.top), (width as u32, CHART_HEIGHT));
                chart::draw(&area, &document.chart_data, &document.chart_text, Theme::Light)?;
            }
        }
    }
    Ok(())
}

fn prepare(scenario: &Scenario, labels: &ReportLabels) -> Result<(Document, Vec<Placed>, u32)> {
    let analysis = analyze(scenario)?;
    homeport_metrics::chart::ensure_font()?;
    let document = compose(scenario, &analysis, labels)?;
    let (placed, height) = layout(&document);
    Ok((document, placed, height))
}

/// Renders the report of a valid scenario as SVG, the source of the PDF.
pub fn render_svg(scenario: &Scenario, labels: &ReportLabels) -> Result<String> {
    let (document, placed, height) = prepare(scenario, labels)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (PAGE_WIDTH, height)).into_drawing_area();
        draw_page(&root, &document, &placed)?;
        root.present().map_err(render_error)?;
    }
    Ok(svg)
}

/// Renders the report of a valid scenario as a PNG image.
pub fn render_png(scenario: &Scenario, labels: &ReportLabels) -> Result<Vec<u8>> {
    let (document, placed, height) = prepare(scenario, labels)?;
    let mut pixels = vec![0u8; PAGE_WIDTH as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (PAGE_WIDTH, height)).into_drawing_area();
        draw_page(&root, &document, &placed)?;
        root.present().map_err(render_error)?;
    }
    encode_png(&pixels, PAGE_WIDTH, height)
}

/// Renders the report of a valid scenario as a one-page PDF.
pub fn render_pdf(scenario: &Scenario, labels: &ReportLabels) -> Result<Vec<u8>> {
    let svg = render_svg(scenario, labels)?;
    let font = homeport_metrics::chart::ensure_font()?;

    let mut fonts = svg2pdf::usvg::fontdb::Database::new();
    fonts
        .load_font_file(&font)
        .map_err(|err| Error::FontUnavailable(format!("cannot read '{}': {err}", font.display())))?;
    // plotters draws with the file's first face, so that face's family stands in for the
    // `sans-serif` family the SVG names.
    let family = fonts
        .faces()
        .next()
        .and_then(|face| face.families.first())
        .map(|(name, _)| name.clone())
        .ok_or_else(|| Error::FontUnavailable(format!("'{}' has no font face", font.display())))?;
    fonts.set_sans_serif_family(family);

    let options = svg2pdf::usvg::Options {
        fontdb: Arc::new(fonts),
        ..svg2pdf::usvg::Options::default()
    };
    let tree = svg2pdf::usvg::Tree::from_str(&svg, &options).map_err(|err| Error::Pdf(err.to_string()))?;
    let page = svg2pdf::PageOptions { dpi: PAGE_DPI };
    let pdf = svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), page)
        .map_err(|err| Error::Pdf(err.to_string()))?;
    tracing::debug!(bytes = pdf.len(), font = %font.display(), "cost report written as PDF");
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::preset;

    fn chinese() -> ReportLabels {
        let mut texts = BTreeMap::new();
        texts.insert("title".to_string(), "自托管的成本与回本".to_string());
        texts.insert("chartSubscriptions".to_string(), "订阅".to_string());
        ReportLabels::from_map(texts)
    }

    #[test]
    fn labels_fall_back_to_english() {
        let labels = chinese();
        assert_eq!(labels.text("title"), "自托管的成本与回本");
        assert_eq!(labels.text("results"), "Results");
        assert_eq!(labels.fill("paybackYears", &[("years", "1.64".into())]), "1.64 years");
    }

    #[test]
    fn unknown_label_keys_are_ignored() {
        let mut texts = BTreeMap::new();
        texts.insert("nonsense".to_string(), "x".to_string());
        assert_eq!(ReportLabels::from_map(texts), ReportLabels::english());
    }

    #[test]
    fn money_follows_the_currency() {
        assert_eq!(Money::for_currency("USD").format(2500.0), "$2,500.00");
        assert_eq!(Money::for_currency("USD").format(-978.84), "-$978.84");
        assert_eq!(Money::for_currency("JPY").format(1300.4), "¥1,300");
        assert_eq!(Money::for_currency("USD").format_price(0.155), "$0.155");
        assert_eq!(Money::for_currency("EUR").format_price(0.29), "€0.29");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_between_chinese_characters() {
        homeport_metrics::chart::ensure_font().unwrap();
        let lines = wrap("one two three four five six seven eight nine ten", BODY_SIZE, 150);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|line| !line.starts_with(' ') && !line.ends_with(' ')));
        let chinese = wrap(&"回本".repeat(40), BODY_SIZE, 300);
        assert!(chinese.len() > 1, "{chinese:?}");
        assert_eq!(chinese.concat(), "回本".repeat(40));
    }

    #[test]
    fn svg_report_has_every_section() {
        let svg = render_svg(&preset("rule-of-thumb").unwrap().scenario, &ReportLabels::english()).unwrap();
        for text in [
            "Cost and payback of self-hosting",
            "Scenario: Rule of thumb · Currency: USD",
            "Server, storage and network: $2,500.00, lasts 5 years, resale $0.00",
            "Electricity: $0.15 per kWh",
            "1.64 years",
            "month 20",
            "Electricity left out (rule of thumb)",
            "1.56 years",
            "Break-even: month 20",
        ] {
            assert!(svg.contains(text), "no '{text}' in the report");
        }
    }

    #[test]
    fn png_report_is_a4_wide() {
        let png = render_png(&preset("used-server").unwrap().scenario, &chinese()).unwrap();
        let image = image::load_from_memory(&png).unwrap();
        assert_eq!(image.width(), PAGE_WIDTH);
        assert!(image.height() >= PAGE_HEIGHT, "{}", image.height());
    }

    #[test]
    fn long_scenario_grows_the_page() {
        let mut scenario = preset("used-server").unwrap().scenario.clone();
        let subscription = scenario.subscriptions[0].clone();
        scenario.subscriptions = vec![subscription; 80];
        let (_, _, height) = prepare(&scenario, &ReportLabels::english()).unwrap();
        assert!(height > PAGE_HEIGHT, "{height}");
    }

    #[test]
    fn pdf_keeps_chinese_text_as_text() {
        let pdf = render_pdf(&preset("mini-pc").unwrap().scenario, &chinese()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, &pdf).unwrap();
        // poppler's pdftotext reads the text as a PDF viewer's search and copy would.
        let output = std::process::Command::new("pdftotext")
            .arg("-enc")
            .arg("UTF-8")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) is missing: run scripts/deps.sh test");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains("自托管的成本与回本"), "{text}");
        assert!(text.contains("订阅"), "{text}");
        assert!(text.contains("Low-power mini PC"), "{text}");
        // An A4-wide page: 1,240 px at 150 dpi is 595.2 pt.
        let info = std::process::Command::new("pdfinfo").arg(&path).output().unwrap();
        let info = String::from_utf8_lossy(&info.stdout);
        assert!(info.contains("Pages:           1"), "{info}");
        assert!(info.contains("595.2 x"), "{info}");
    }
}
