/**
 * Panel builders of the paiflow-controller dashboard (dashboard.ts): every panel queries the
 * dashboard's `$datasource` variable and follows the same conventions (legend, tooltip, units).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import { ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** The Prometheus data source the user picks in the dashboard's `datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** A PromQL query of the selected data source, its series named by `legend`. */
export function query(expr: string, legend: string): DataqueryBuilder {
  return new DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend);
}

/** `histogram_quantile` of a histogram at p50, p95 and p99, one legend entry per quantile. */
export function quantiles(bucketRate: string, legend: string): DataqueryBuilder[] {
  return [0.5, 0.95, 0.99].map((q) =>
    query(`histogram_quantile(${q}, ${bucketRate})`, `p${Math.round(q * 100)} ${legend}`.trim()),
  );
}

/** Absolute thresholds; the first step's value is null (from minus infinity). */
export function thresholds(steps: { value: number | null; color: string }[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

/** What every panel has. `span` is the width in grid columns (of 24), `height` in grid rows. */
export interface PanelOptions {
  title: string;
  description: string;
  targets: DataqueryBuilder[];
  unit?: string;
  span?: number;
  height?: number;
}

/** A time series panel. */
export interface GraphOptions extends PanelOptions {
  stacked?: boolean;
  bars?: boolean;
  /** Minimum query step: completions are rare, per-minute buckets would be mostly empty. */
  interval?: string;
  /** A red dashed line at this value (an alert's threshold). */
  alertAt?: number;
}

/** A time series panel, 8 columns by 8 rows unless told otherwise, starting at 0. */
export function graph(o: GraphOptions): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(o.targets)
    .unit(o.unit ?? 'short')
    .min(0)
    .span(o.span ?? 8)
    .height(o.height ?? 8)
    .fillOpacity(o.stacked === true || o.bars === true ? 60 : 10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
  if (o.stacked === true) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.bars === true) panel.drawStyle(common.GraphDrawStyle.Bars);
  if (o.interval !== undefined) panel.interval(o.interval);
  if (o.alertAt !== undefined) {
    panel
      .thresholds(
        thresholds([
          { value: null, color: 'transparent' },
          { value: o.alertAt, color: 'red' },
        ]),
      )
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
      );
  }
  return panel;
}

/** A single-value panel. */
export interface SingleStatOptions extends PanelOptions {
  /** The value turns red from this value on (green below). */
  redFrom?: number;
  /** Shows the series name (e.g. the version label) instead of the value. */
  showName?: boolean;
}

/** A single-value (stat) panel of the last value of instant queries, 4 columns by 4 rows unless told otherwise. */
export function singleStat(o: SingleStatOptions): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(o.targets.map((t) => t.instant()))
    .unit(o.unit ?? 'short')
    .span(o.span ?? 4)
    .height(o.height ?? 4)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .textMode(o.showName === true ? common.BigValueTextMode.Name : common.BigValueTextMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .thresholds(
      thresholds(
        o.redFrom === undefined
          ? [{ value: null, color: 'text' }]
          : [
              { value: null, color: 'green' },
              { value: o.redFrom, color: 'red' },
            ],
      ),
    );
}
