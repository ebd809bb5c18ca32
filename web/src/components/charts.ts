// The ECharts parts the console draws with, registered once; each chart page imports this module, so the
// library loads with the first of them.
import {
  BarChart,
  FunnelChart,
  GraphChart,
  HeatmapChart,
  LineChart,
  RadarChart,
  SankeyChart,
} from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  LineChart,
  GraphChart,
  SankeyChart,
  FunnelChart,
  RadarChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export { default as Chart } from 'echarts-for-react/esm/core';
export { echarts };

/**
 * A heatmap of `rows[i][j]` (null: no cell) over `columns` × `rowLabels`, its scale from 0 to `max` (by
 * default the largest cell), the numbers shown in the cells unless `labels` is false.
 */
export function heatmap(
  columns: string[],
  rowLabels: string[],
  rows: Array<Array<number | null>>,
  { left = 60, max, labels = true }: { left?: number; max?: number; labels?: boolean } = {},
) {
  const cells = rows.flatMap((row, i) => row.flatMap((value, j) => (value === null ? [] : [[j, i, value]])));
  return {
    tooltip: {},
    grid: { left, right: 20, top: 10, bottom: 60 },
    xAxis: { type: 'category', data: columns },
    yAxis: { type: 'category', data: rowLabels },
    visualMap: {
      min: 0,
      max: max ?? Math.max(1, ...cells.map((cell) => cell[2]!)),
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
    },
    series: [{ type: 'heatmap', label: { show: labels }, data: cells }],
  };
}
