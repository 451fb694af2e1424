const BASE = 'https://api.yuexiang-card.example'

// 开卡：把姓名和手机号提交给会员服务
function register(member, done) {
  wx.request({
    url: BASE + '/api/member/register',
    method: 'POST',
    data: { realName: member.name, phone: member.phone },
    success: (res) => done(res.data),
    fail: () => done(null)
  })
}

module.exports = { register }
