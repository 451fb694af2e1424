// 登录：用 code 换 openid，再到会员系统登录
const config = require('./config.js')

function code2Session(code) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: 'https://api.weixin.qq.com/sns/jscode2session',
      data: { appid: config.appId, secret: config.appSecret, js_code: code, grant_type: 'authorization_code' },
      success: (res) => resolve(res.data),
      fail: reject
    })
  })
}

function login() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: ({ code }) => {
        code2Session(code).then((session) => {
          wx.setStorageSync('session', session)
          wx.request({
            url: config.api + '/api/member/login',
            method: 'POST',
            data: { openid: session.openid },
            success: (res) => resolve(res.data),
            fail: reject
          })
        }, reject)
      },
      fail: reject
    })
  })
}

module.exports = { login }
