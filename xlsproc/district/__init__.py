"""Many results in, one district workbook out (汇总, 项目, 指标明细, 问题清单, 图表, 同比)."""
