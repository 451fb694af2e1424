const api = require('../../utils/api.js')
const lock = require('../../utils/lock.js')
const app = getApp()

Page({
  data: { bikes: [], position: null, status: '点击“附近单车”查找可用车辆' },

  // 每次点击定位一次；要更新请再点一次
  onNearby() {
    this.locate()
  },

  locate() {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => {
        this.setData({ position: { lat: res.latitude, lng: res.longitude } })
        api.nearby(res.latitude, res.longitude, (bikes) => this.setData({ bikes, status: '' }))
      }
    })
  },

  onUnlock() {
    const pos = this.data.position || {}
    lock.unlock({ bike: 'QB2023110806', uid: app.globalData.userId, lat: pos.lat, lng: pos.lng }, (ok) => {
      this.setData({ status: ok ? '开锁成功，祝你骑行愉快' : '开锁失败，请重试' })
    })
  }
})
