// The ECharts parts the console draws with, registered once; each chart page imports this module, so the
// library loads with the first of them.
import { BarChart, FunnelChart, HeatmapChart, RadarChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
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
