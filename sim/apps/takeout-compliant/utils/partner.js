// 合作方“天天领券”小程序
const COUPON_APP = { appId: 'wx5c1f0d9e83a6b247', path: 'pages/coupon/index?from=linli', envVersion: 'release' }

function openCoupons() {
  wx.navigateToMiniProgram(COUPON_APP)
}

module.exports = { openCoupons }
