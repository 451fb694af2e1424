// 登录：wx.login 拿到 code 交给自己的服务器，openid 与 session_key 只留在服务端
const API = 'https://api.yuexiang-mall.example'

function login() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: ({ code }) => {
        wx.request({
          url: API + '/api/member/login',
          method: 'POST',
          data: { code },
          success: (res) => resolve(res.data),
          fail: reject
        })
      },
      fail: reject
    })
  })
}

module.exports = { login }
