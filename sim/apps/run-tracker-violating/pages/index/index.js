const api = require('../../utils/api.js')
const app = getApp()

Page({
  data: { running: false, points: 0, status: '' },

  // 跑步一开始就申请“离开小程序后”也能定位：切到后台后仍在持续上传坐标
  onStart() {
    this.listener = (res) => this.onPosition(res)
    wx.startLocationUpdateBackground({
      success: () => {
        this.setData({ running: true, status: '正在记录' })
        wx.onLocationChange(this.listener)
      },
      fail: (err) => this.setData({ status: '无法定位：' + err.errMsg })
    })
  },

  onPosition(res) {
    this.setData({ points: this.data.points + 1 })
    api.sendPoint(app.globalData.runId, res.latitude, res.longitude)
  },

  onStop() {
    wx.offLocationChange(this.listener)
    wx.stopLocationUpdate()
    this.setData({ running: false, status: '跑步已结束' })
  }
})
